# Runs Go submissions (--sandbox docker): the machine's own Go toolchain on the Debian base, the
# one their dependencies were compiled with at install (the build cache reuses that work only with
# the same compiler). The build context holds that toolchain as go/; its version is the label the
# harness checks before it grades.
ARG BASE
FROM ${BASE}
ARG GO_VERSION
LABEL backend-challenges.go-version=${GO_VERSION}
COPY go /usr/local/go
RUN ln -sf /usr/local/go/bin/go /usr/local/go/bin/gofmt /usr/local/bin/ \
  && test "$(go env GOVERSION)" = "${GO_VERSION}"
