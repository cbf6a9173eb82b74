# The bench's route watcher (bench/project.ts RouteWatch): issue 15's method,
# "every replica's eth0 has its prefix route, read from /proc/PID/net/route",
# without polling. For each pid it opens, inside that process's network
# namespace, a route netlink socket subscribed to IPv4 route changes; when one
# reports a change, the replica's /proc/PID/net/route is read again.
# Usage: perl route-watch.pl PID... (root, x86_64)
# Prints `ready` once subscribed, then `PID EPOCH-SECONDS` as each replica's
# eth0 route is first seen (those already routed at once).
use strict;
use Time::HiRes qw(time);

$| = 1;
my $SETNS = 308;    # x86_64; CLONE_NEWNET = 0x40000000
open(my $own, '<', '/proc/self/ns/net') or die "cannot open /proc/self/ns/net: $!\n";
my %socket;
for my $pid (@ARGV) {
  open(my $ns, '<', "/proc/$pid/ns/net") or die "cannot open the namespace of $pid: $!\n";
  syscall($SETNS, fileno($ns), 0x40000000) == 0 or die "cannot enter the namespace of $pid: $!\n";
  socket(my $s, 16, 3, 0) or die "netlink socket: $!\n";    # AF_NETLINK, SOCK_RAW, NETLINK_ROUTE
  bind($s, pack('S x2 L L', 16, 0, 0x40)) or die "netlink bind: $!\n";    # RTMGRP_IPV4_ROUTE
  syscall($SETNS, fileno($own), 0x40000000) == 0 or die "cannot return to my namespace: $!\n";
  $socket{$pid} = $s;
}
print "ready\n";

sub routed {
  my ($pid) = @_;
  open(my $f, '<', "/proc/$pid/net/route") or return 0;
  local $/;
  return <$f> =~ /\neth0\t/;
}

my %left = map { $_ => 1 } keys %socket;
for my $pid (keys %left) { if (routed($pid)) { print "$pid ", time, "\n"; delete $left{$pid} } }
while (%left) {
  my $want = '';
  vec($want, fileno($socket{$_}), 1) = 1 for keys %left;
  next if select(my $ready = $want, undef, undef, 1) <= 0;
  for my $pid (keys %left) {
    my $s = $socket{$pid};
    next unless vec($ready, fileno($s), 1);
    1 while defined recv($s, my $buf, 65536, 0x40);    # MSG_DONTWAIT: drain what is there
    next unless routed($pid);
    print "$pid ", time, "\n";
    delete $left{$pid};
  }
}
