# Runs Python submissions (--sandbox docker): Debian bookworm's python3 (3.11, the minor the
# machine's pip fetches wheels for), from Debian's archive like the base.
ARG BASE
FROM ${BASE}
RUN command -v python3 >/dev/null \
  || (apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*)
RUN python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
