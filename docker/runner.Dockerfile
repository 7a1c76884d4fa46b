# Runs candidate code (--sandbox docker): Node 20 and npm on the Debian base, nothing else. The
# harness starts it read-only, as a non-root user, with the submission bind-mounted at its own path.
# The build context holds this machine's Node 20 (bin/node, lib/node_modules/npm): no registry here.
ARG BASE
FROM ${BASE}
COPY . /usr/local/
RUN ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && node -e 'if (!process.version.startsWith("v20.")) process.exit(1)'
