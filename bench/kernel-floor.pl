# The kernel's own cost of wiring, with no node, no Docker and no fork: in one
# process, N veths from a network namespace (on one bridge) into N namespaces,
# then an address and up in each, over netlink with the job helper's own
# request code (src/net/job-helper.pl). Needs root and full perl (Time::HiRes).
# As in the bench, every namespace has IPv6 off (Docker turns it off in
# containers on networks without IPv6) and the bridge is made as conlink
# makes it (no multicast snooping), and so are the veths (one queue each
# end). KF_IPV6=1 leaves IPv6 on, KF_SNOOP=1 the bridge's snooping,
# KF_QUEUES=1 the kernel's queue count (one per possible CPU), for comparison.
# Usage: perl bench/kernel-floor.pl [N]   (default 200)
use strict;
use POSIX ();
use Socket ();
use Time::HiRes qw(time);
use File::Basename qw(dirname);

# the helper's request subs, without its main loop
my $helper = do { local (@ARGV, $/) = (dirname(__FILE__) . '/../src/net/job-helper.pl'); <> };
my $subs = join "\n", $helper =~ /^(sub (?:ip_request|queue_attrs|prefix|attr|if_index|netlink_socket|netlink_talk|extack_text|with_index|ifname_ok|ifinfo)\b.*?^\})/msg;
eval "my \$seq = 0;\n$subs\n1" or die $@;

my $N = shift // 200;
my $SETNS = 308;
sub run { system(@_) == 0 or die "@_ failed\n" }
run(qw(ip netns add kf-net));
run(qw(ip -n kf-net link add kf-br type bridge), $ENV{KF_SNOOP} ? () : qw(mcast_snooping 0));
run(qw(ip -n kf-net link set kf-br up));
run('ip', 'netns', 'add', "kf$_") for 1 .. $N;
my @ns = map { open(my $f, '<', "/run/netns/kf$_") or die; $f } 1 .. $N;
open(my $net, '<', '/run/netns/kf-net') or die;
open(my $own, '<', '/proc/self/ns/net') or die;
socket(my $inet, 2, 2, 0) or die;
unless ($ENV{KF_IPV6}) {
  for my $ns ($net, @ns) {
    syscall($SETNS, fileno($ns), 0x40000000) == 0 or die "setns: $!\n";
    for my $conf ('all', 'default') {
      open(my $f, '>', "/proc/sys/net/ipv6/conf/$conf/disable_ipv6") or die "disable_ipv6: $!\n";
      print $f "1\n";
    }
  }
}

syscall($SETNS, fileno($net), 0x40000000) == 0 or die "setns: $!\n";
my ($nl, $br) = (netlink_socket(), undef);
socket(my $inet_net, 2, 2, 0) or die;
$br = if_index($inet_net, 'kf-br');
my $queues = $ENV{KF_QUEUES} ? '' : queue_attrs(1, 1);
my @t0 = (time, times);
for my $i (1 .. $N) {
  my $peer = ifinfo(0, 0) . attr(3, "eth0\0") . $queues . attr(28, pack('L', fileno($ns[$i - 1])));    # IFLA_NET_NS_FD
  my $error = netlink_talk($nl, [16, 0x600, ifinfo(0, 1) . attr(3, "kf$i\0") . attr(10, pack('L', $br)) . $queues . attr(18, attr(1, 'veth') . attr(2, attr(1, $peer)))]);
  die "veth $i: $error\n" if defined $error;
}
my @t1 = (time, times);
for my $i (1 .. $N) {
  syscall($SETNS, fileno($ns[$i - 1]), 0x40000000) == 0 or die "setns: $!\n";
  socket(my $s, 2, 2, 0) or die;
  my $c = netlink_socket();
  for my $line ('addr add 10.1.' . int($i / 250) . '.' . ($i % 250 + 1) . '/16 dev eth0', 'link set dev eth0 up') {
    my $error = netlink_talk($c, ip_request($line)->($s));
    die "$line: $error\n" if defined $error;
  }
}
my @t2 = (time, times);
syscall($SETNS, fileno($own), 0x40000000);
printf "create_ms_per_link=%.2f (cpu %.2f)\n", ($t1[0] - $t0[0]) * 1000 / $N, ($t1[1] + $t1[2] - $t0[1] - $t0[2]) * 1000 / $N;
printf "configure_ms_per_container=%.2f (cpu %.2f)\n", ($t2[0] - $t1[0]) * 1000 / $N, ($t2[1] + $t2[2] - $t1[1] - $t1[2]) * 1000 / $N;
END { system(qw(ip netns del kf-net)); system('ip', 'netns', 'del', "kf$_") for 1 .. ($N // 0) }
