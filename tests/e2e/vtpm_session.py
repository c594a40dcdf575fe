#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One vTPM module process for many tpm2-tools runs.

tpm2-tss's cmd TCTI starts its command anew for every tool run, and the
vTPM module keeps its TPM in memory, so a module started by the TCTI
would forget everything between tools. This keeps one module alive:

  vtpm_session.py serve SOCKET MODULE   run MODULE (the vTPM executable) and
                                        serve it on the Unix socket SOCKET
  vtpm_session.py relay SOCKET          what the TCTI runs:
                                        tpm2_startup -T "cmd:vtpm_session.py relay SOCKET"

Each relay connection carries TPM commands in and responses out, framed
as TPM 2.0 frames them (the big-endian size at offset 2); the server
hands one command at a time to the module and sends back its response.
The server ends when the module ends, and passes on its exit status.
"""
import os
import socket
import struct
import subprocess
import sys

HDR = 10
MAX = 4096


def read_exact(read, n):
    buf = b""
    while len(buf) < n:
        chunk = read(n - len(buf))
        if not chunk:
            return buf
        buf += chunk
    return buf


def read_frame(read):
    """One TPM command or response: bytes, b"" at a clean end, or None if cut short or oversized."""
    hdr = read_exact(read, HDR)
    if not hdr:
        return b""
    if len(hdr) < HDR:
        return None
    size = struct.unpack(">I", hdr[2:6])[0]
    if size < HDR or size > MAX:
        return None
    body = read_exact(read, size - HDR)
    return hdr + body if len(body) == size - HDR else None


def serve(path, module):
    proc = subprocess.Popen([module], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    print(f"vtpm_session: module pid {proc.pid} on {path}", flush=True)
    try:
        while proc.poll() is None:
            conn, _ = srv.accept()
            with conn:
                while True:
                    cmd = read_frame(conn.recv)
                    if not cmd:
                        if cmd is None:
                            print("vtpm_session: a client sent a cut or oversized command", file=sys.stderr)
                        break
                    proc.stdin.write(cmd)
                    proc.stdin.flush()
                    rsp = read_frame(proc.stdout.read)
                    if not rsp:
                        print("vtpm_session: the module gave no response", file=sys.stderr)
                        return 2
                    conn.sendall(rsp)
    finally:
        srv.close()
        os.unlink(path)
        if proc.poll() is None:
            proc.stdin.close()
            proc.wait(timeout=10)
    return proc.returncode


def relay(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    stdin, stdout = sys.stdin.buffer.raw, sys.stdout.buffer
    while True:
        cmd = read_frame(stdin.read)
        if not cmd:
            return 0 if cmd == b"" else 2
        s.sendall(cmd)
        rsp = read_frame(s.recv)
        if not rsp:
            return 2
        stdout.write(rsp)
        stdout.flush()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "relay":
        sys.exit(relay(sys.argv[2]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
