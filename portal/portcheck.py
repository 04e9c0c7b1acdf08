"""Exit with a clear message when the port `make run` wants is already taken."""

import socket
import sys


def main(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            sys.exit(
                f"Port {port} on 127.0.0.1 is already in use (another clone of the portal?).\n"
                f"Choose another one: make run PORT={port + 1}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]))
