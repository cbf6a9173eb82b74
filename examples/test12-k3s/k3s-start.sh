#!/bin/sh
# T12: start k3s as a server or an agent whose node address is on conlink's
# bridge k0 (eth1). Usage: k3s-start.sh server|agent NODE_IP [K3S_ARGS...]
set -eu
role=$1 node_ip=$2
shift 2

# k3s in a container: cgroupfs, no swap check, cgroups rooted at the container's
set -- --node-ip "$node_ip" --flannel-iface eth1 \
  --kubelet-arg=cgroup-driver=cgroupfs \
  --kubelet-arg=fail-swap-on=false \
  --kubelet-arg=cgroup-root=/ \
  "$@"

case "$role" in
  # ranges that stay clear of a Kubernetes the host itself may run in
  server) set -- --cluster-cidr 10.128.0.0/16 --service-cidr 10.129.0.0/16 "$@" ;;
  agent) set -- --server "https://10.200.0.1:6443" "$@" ;;
  *) echo "k3s-start.sh: role must be server or agent, not '$role'" >&2; exit 2 ;;
esac
echo "starting: k3s $role $*" >&2
exec k3s "$role" "$@"
