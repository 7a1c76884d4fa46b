# Runs Java submissions (--sandbox docker): Debian bookworm's OpenJDK 17 and Maven, the versions
# the machine's install fetches plugins with (Debian's packages, like the base).
ARG BASE
FROM ${BASE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven \
  && rm -rf /var/lib/apt/lists/*
RUN java -version 2>&1 | grep -q '"17\.' && mvn --version >/dev/null
