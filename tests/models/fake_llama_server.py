"""A stand-in for `python -m llama_cpp.server` in tests: answers GET /v1/models on 127.0.0.1.

Usage: python fake_llama_server.py --port N [--model-id ID] [--delay SECONDS]
"""

from __future__ import annotations

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model-id", default="fake-model")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before listening")
    args = parser.parse_args()

    print(f"fake llama server: loading {args.model_id}", flush=True)
    time.sleep(args.delay)
    models = json.dumps({"object": "list", "data": [{"id": args.model_id, "object": "model"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = (200, models) if self.path == "/v1/models" else (404, "{}")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    print(f"fake llama server: listening on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
