#!/usr/bin/env bash
# Writes a throwaway CA, a localhost server certificate (for a mock APNs) and an Apple-shaped mail push
# client certificate into the folder given. For the demo and tests only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
"$here/../mailpush" --version >/dev/null   # builds the jar when needed
exec java -cp "$here/../server/target/mailpush.jar" org.mailpush.certs.example.GenerateExampleCertificates "$1"
