# The conlink image: Node.js, the conlink CLI (`conlink`, `mdc`) and the
# network tools the network container runs.
# Build with `npm run image` (scripts/build-image.sh): it compiles, stages
# production node_modules and picks the base (public, or a local debootstrap
# base when no registry is reachable).
ARG BASE=node:20-bookworm-slim
FROM ${BASE}

# 1 when BASE already holds the tools below (the local debootstrap base).
ARG PREINSTALLED=0
RUN if [ "$PREINSTALLED" != "1" ]; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         iproute2 iptables ethtool tcpdump procps iputils-ping openvswitch-switch \
      && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /app
# Symlinks first (targets come below) so that this layer stays cached; then
# the copies, least often changed first.
# /app/build/conlink.js and /app/build/schema.yaml: upstream conlink's paths
# (its compose files run `/app/build/conlink.js --compose-file ...`).
RUN ln -s /app/bin/conlink.js /usr/local/bin/conlink \
    && ln -s /app/bin/mdc.js /usr/local/bin/mdc \
    && mkdir -p /app/build \
    && ln -s /app/bin/conlink-up.js /app/build/conlink.js \
    && ln -s /app/schema/conlink.schema.json /app/build/schema.yaml
# Tools other containers copy or mount: /utils/wait, /utils/copy, /utils/echo
# (static programs), wait.sh, copy.sh and a static busybox; they run even in
# images FROM scratch (docs/tools.md).
COPY utils/ /utils/
COPY node_modules/ /app/node_modules/
COPY package.json package-lock.json /app/
COPY schema/ /app/schema/
COPY src/tools/sh/ /app/src/tools/sh/
# the job helper that runs kernel programs for conlink up (src/net/spawner.ts)
COPY src/net/job-helper.pl /app/src/net/job-helper.pl
COPY bin/ /app/bin/
COPY dist/ /app/dist/

CMD ["conlink", "--help"]
