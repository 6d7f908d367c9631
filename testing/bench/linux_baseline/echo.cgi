#!/bin/sh
# POST /cgi-bin/echo: the request body back, byte for byte (the baseline's
# stand-in for Torito's POST /echo; busybox httpd has no URL rewriting).
echo "Content-Type: application/octet-stream"
echo "Content-Length: ${CONTENT_LENGTH:-0}"
echo
exec head -c "${CONTENT_LENGTH:-0}"
