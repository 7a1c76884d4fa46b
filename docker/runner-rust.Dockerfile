# Runs Rust submissions (--sandbox docker): the machine's own Rust toolchain (the one that reads
# the lockfiles the install vendored for), with Debian's C toolchain for linking. The build context
# holds that toolchain as rust/; its version is the label the harness checks before it grades.
ARG BASE
FROM ${BASE}
ARG RUST_VERSION
LABEL backend-challenges.rust-version=${RUST_VERSION}
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY rust /usr/local/lib/rust
RUN ln -sf /usr/local/lib/rust/bin/cargo /usr/local/lib/rust/bin/rustc /usr/local/bin/ \
  && test "$(rustc --version)" = "${RUST_VERSION}"
