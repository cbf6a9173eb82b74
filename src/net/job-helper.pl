# conlink's job helper (started by src/net/spawner.ts): runs short programs
# for node, which pays 5-30 ms per fork of itself. perl-base only.
#
# stdin, one job a line, every field hex-encoded:
#   id timeout-ms netns stdin-file input stdout-file stderr-file argv...
# (the helper writes the input to stdin-file when it starts a program)
# netns is empty or a namespace file (/proc/PID/ns/net) that the child enters
# with setns(2) before exec, so no nsenter process is needed.
#
# The jobs of wiring a container are done by the helper itself, in this
# process, without a fork or an exec (kernel_job): an `ip -force -batch -`
# whose every line is in the small grammar of ip_batch (veth creation,
# addresses, up, simple routes, deletion) and `ethtool --offload DEV tx off`
# (one, or a batch of them through `xargs -L 1 ethtool`). The helper enters
# the job's namespace only long enough to open its sockets there (a socket
# stays in the namespace it was made in), so it always returns to its own.
# Any other job runs its program. CONLINK_HELPER_EXEC=1 runs every job's
# program (for comparison).
# A group of jobs in one namespace (a container's `ip` batch and offload) is
# one line `g id netns count` then, for each job, `input argc argv...` (hex
# fields after the `g`): when every job of it is kernel work, they are done
# one after another on one pair of sockets; otherwise none is run and the
# status is `id N` (node then sends them as single jobs).
# stdout, one line as each job ends: `id wait-status` (`id -1` when it could
# not fork; `id T` when it was killed after timeout-ms); for a job done by
# the helper itself `id wait-status stdout stderr`, the output hex-encoded;
# for a group `id` and those three fields for each of its jobs.
#
# Children are reaped in the main loop, never in a signal handler: perl runs
# handlers only between statements, so a SIGCHLD that lands just before a
# blocking read would wait for the next input. While jobs run, select() wakes
# at least every 10 ms; the empty SIGCHLD handler makes it wake at once.
use strict;
use POSIX ();
use Socket ();
use Config;

$| = 1;
$SIG{INT} = $SIG{TERM} = 'IGNORE';
$SIG{CHLD} = sub {};

# setns(2) numbers; CLONE_NEWNET = 0x40000000.
my %SETNS = ('x86_64' => 308, 'aarch64' => 268, 'arm' => 375, 'i386' => 346, 'i686' => 346,
  'ppc64le' => 350, 'ppc64' => 350, 's390x' => 339, 'riscv64' => 268);
my ($arch) = $Config{archname} =~ /^([^-]+)/;
my $setns = $SETNS{$arch};

if (@ARGV && $ARGV[0] eq '--can-setns') { print defined $setns ? "yes\n" : "no\n"; exit 0 }

my (%jobs, %deadline, %timedout);

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $id = delete $jobs{$pid};
    delete $deadline{$pid};
    next unless defined $id;
    print delete $timedout{$pid} ? "$id T\n" : "$id $?\n";
  }
}

# perl-base has no Time::HiRes: deadlines are whole seconds, so a timeout fires up to a second late.
sub expire {
  my $now = time;
  for my $pid (keys %deadline) {
    next if $deadline{$pid} > $now;
    delete $deadline{$pid};
    $timedout{$pid} = 1;
    kill 'KILL', -$pid;    # the job runs in its own process group (xargs and its children too)
    kill 'KILL', $pid;
  }
}

sub child {
  my ($netns, $in, $out, $err, @argv) = @_;
  $SIG{INT} = $SIG{TERM} = $SIG{CHLD} = 'DEFAULT';
  POSIX::setpgid(0, 0);
  open(STDIN, '<', $in) && open(STDOUT, '>', $out) && open(STDERR, '>', $err) or POSIX::_exit(127);
  if (length $netns) {
    open(my $ns, '<', $netns) or do { print STDERR "cannot open $netns: $!\n"; POSIX::_exit(1) };
    syscall($setns, fileno($ns), 0x40000000) == 0 or do { print STDERR "cannot enter $netns: $!\n"; POSIX::_exit(1) };
    close $ns;
  }
  exec { $argv[0] } @argv;
  print STDERR "cannot run $argv[0]: $!\n";
  POSIX::_exit(127);
}

# A job done here instead of by its program: undef when it is not one of
# those, else a sub that runs it on the namespace's sockets and returns its
# exit status and what it prints.
sub kernel_work {
  my ($input, @argv) = @_;
  return undef if $ENV{CONLINK_HELPER_EXEC};
  return offloads([$argv[2]], 0) if @argv == 5 && "@argv[0, 1, 3, 4]" eq 'ethtool --offload tx off' && ifname_ok($argv[2]);
  if ("@argv" eq 'xargs -L 1 ethtool') {
    my @lines = split /\n/, $input;
    return undef if grep { !/^--offload (\S+) tx off$/ || !ifname_ok($1) } @lines;
    return offloads([map { (split / /)[1] } @lines], 1);
  }
  return ip_batch($input) if "@argv" eq 'ip -force -batch -';
  return undef;
}

# Run a kernel job in this process; its status line carries its output.
sub kernel_job {
  my ($id, $netns, $input, @argv) = @_;
  my $work = kernel_work($input, @argv) // return 0;
  my ($sockets, $problem) = sockets_in($netns);
  done_here($id, $sockets ? $work->(@$sockets) : (1, $problem));
  return 1;
}

# The status fields of a job that ends in this process: its wait status, and what it printed (stdout empty, stderr).
sub ended_here { my ($status, $stderr) = @_; join(' ', $status << 8, unpack('H*', ''), unpack('H*', $stderr)) }

sub done_here { my $id = shift; print "$id ", ended_here(@_), "\n" }

sub group_job {
  my ($id, $netns, $count, @fields) = map { pack('H*', $_) } split / /, shift, -1;
  if (length $netns && !defined $setns) { print "$id -2\n"; return }
  my @work;
  for (1 .. $count) {
    my ($input, $argc) = splice(@fields, 0, 2);
    push @work, scalar kernel_work($input, splice(@fields, 0, $argc));
  }
  if (grep { !defined } @work) { print "$id N\n"; return }
  my ($sockets, $problem) = sockets_in($netns);
  print join(' ', $id, map { ended_here($sockets ? $_->(@$sockets) : (1, $problem)) } @work), "\n";
}

sub write_file { my ($file, $text) = @_; open(my $f, '>', $file) or return 0; print $f $text or return 0; close($f) }

open(my $own_netns, '<', '/proc/self/ns/net') or die "cannot open /proc/self/ns/net: $!\n";

# [an AF_INET socket (for device lookups and ioctls), a route netlink
# socket], both in namespace $netns (empty: ours); or (undef, the message a
# child that cannot enter it would print).
sub sockets_in {
  my ($netns) = @_;
  my $entered = length $netns;
  if ($entered) {
    open(my $ns, '<', $netns) or return (undef, "cannot open $netns: $!\n");
    syscall($setns, fileno($ns), 0x40000000) == 0 or return (undef, "cannot enter $netns: $!\n");
  }
  my $inet_ok = socket(my $inet, 2, 2, 0);    # AF_INET, SOCK_DGRAM
  my $inet_why = "$!";
  my $nl = netlink_socket();
  my $nl_why = "$!";
  if ($entered) {
    # never go on in the container's namespace: every later job would run there
    syscall($setns, fileno($own_netns), 0x40000000) == 0 or die "job helper cannot return to its own network namespace: $!\n";
  }
  return (undef, "cannot open a socket: $inet_why\n") unless $inet_ok;
  return (undef, "cannot open a netlink socket: $nl_why\n") unless $nl;
  return [$inet, $nl];
}

# `ethtool --offload DEV tx off`, the default of every veth link: the
# SIOCETHTOOL ioctl with ETHTOOL_STXCSUM = 0, which the kernel applies as
# ethtool's netlink request does (every tx checksum feature off, then the
# features that depend on them). For several devices ($batch) the status is
# xargs's: 123 when one failed.
sub offloads {
  my ($devs, $batch) = @_;
  return sub {
    my ($inet) = @_;
    my $errors = '';
    for my $dev (@$devs) {
      my $ifreq = pack('Z16 P x16', $dev, pack('L L', 0x17, 0));    # struct ifreq: name, a pointer to struct ethtool_value { ETHTOOL_STXCSUM, off }
      $errors .= "Cannot set tx offload of $dev: $!\n" unless ioctl($inet, 0x8946, $ifreq);    # SIOCETHTOOL
    }
    return (!length $errors ? 0 : $batch ? 123 : 1, $errors);
  };
}

# An `ip -force -batch -` done over rtnetlink, when every line is one of
#   addr add ADDR[/LEN] dev DEV [nodad]
#   link set dev DEV up
#   route add (default|ADDR[/LEN]) [via ADDR] dev DEV
#   link add name DEV [mtu N] [master BRIDGE] [QUEUES] up type veth peer name DEV [address MAC] [mtu N] [QUEUES] netns PID
#     (QUEUES: numtxqueues N numrxqueues N)
#   link del dev DEV
# (IPv4 dotted quads, IPv6 as inet_pton reads it). The requests are the ones
# ip 6.1 sends, and so are the messages: `Error: EXTACK.` or `RTNETLINK
# answers: STRERROR`, `Cannot find device "DEV"`, then `Command failed -:N`
# per failed line; the status is 1 when a line failed. A missing bridge ends
# the batch with status 255, as ip gives up there.
sub ip_batch {
  my @requests = map { ip_request($_) } split /\n/, shift;
  return undef if grep { !defined } @requests;
  return sub {
    my ($inet, $nl) = @_;
    my ($failed, $errors) = (0, '');
    for my $i (0 .. $#requests) {
      my $request = $requests[$i]->($inet);
      return (255, "$errors$$request\n\n") if ref $request eq 'SCALAR';    # ip's invarg: the message and an empty line
      my ($error, $warning) = ref $request ? netlink_talk($nl, $request) : ($request);
      $errors .= "Warning: $warning\n" if defined $warning;
      next unless defined $error;
      $errors .= "$error\nCommand failed -:" . ($i + 1) . "\n";
      $failed = 1;
    }
    return ($failed, $errors);
  };
}

# For one batch line, a sub (of the AF_INET socket) that returns its request
# ([type, flags, body]), ip's message when a device is missing, or a
# reference to the message with which ip gives up; undef when outside the grammar.
sub ip_request {
  my ($line) = @_;
  my ($dev, $addr, $nodad, $via);
  if (($addr, $dev, $nodad) = $line =~ /^addr add (\S+) dev (\S+)( nodad)?$/) {
    my ($family, $bin, $len) = prefix($addr) or return undef;
    my $scope = $family == 2 && ord($bin) == 127 ? 254 : 0;    # RT_SCOPE_HOST for 127/8, as ip does
    return with_index($dev, sub { [20, 0x600, pack('C C C C L', $family, $len, $nodad ? 2 : 0, $scope, shift) . attr(2, $bin) . attr(1, $bin)] });    # RTM_NEWADDR, CREATE|EXCL, IFA_F_NODAD, IFA_LOCAL, IFA_ADDRESS
  }
  if (($dev) = $line =~ /^link set dev (\S+) up$/) {
    return with_index($dev, sub { [16, 0, ifinfo(shift, 1)] });    # RTM_NEWLINK, IFF_UP
  }
  if (($dev) = $line =~ /^link del dev (\S+)$/) {
    return with_index($dev, sub { [17, 0, ifinfo(shift, 0)] });    # RTM_DELLINK
  }
  if (($addr, $via, $dev) = $line =~ /^route add (\S+)(?: via (\S+))? dev (\S+)$/) {
    my ($gwf, $gw) = defined $via ? prefix($via, 1) : ();
    return undef if defined $via && !defined $gw;
    my ($family, $dst, $len) = $addr eq 'default' ? ($gwf // 2, '', 0) : prefix($addr) or return undef;
    return undef if defined $gwf && $gwf != $family;
    my $scope = $family == 2 && !defined $gw ? 253 : 0;    # RT_SCOPE_LINK without a gateway (IPv4), as ip does
    my $attrs = ($len ? attr(1, $dst) : '') . (defined $gw ? attr(5, $gw) : '');    # RTA_DST, RTA_GATEWAY
    return with_index($dev, sub { [24, 0x600, pack('C8 L', $family, $len, 0, 0, 254, 3, $scope, 1, 0) . $attrs . attr(4, pack('L', shift))] });    # main table, RTPROT_BOOT, unicast, RTA_OIF
  }
  my $queues = '(?: numtxqueues ([1-9]\d{0,3}) numrxqueues ([1-9]\d{0,3}))?';
  if (my ($outer, $mtu, $bridge, $txq, $rxq, $peer, $mac, $peer_mtu, $peer_txq, $peer_rxq, $pid) =
    $line =~ /^link add name (\S+)(?: mtu (\S+))?(?: master (\S+))?$queues up type veth peer name (\S+)(?: address (\S+))?(?: mtu (\S+))?$queues netns (\S+)$/) {
    return undef if grep { defined && !/^[1-9]\d{0,8}$/ } $mtu, $peer_mtu, $pid;
    return undef if grep { defined && !ifname_ok($_) } $outer, $bridge, $peer;
    return undef if defined $mac && $mac !~ /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
    my $peer_info = ifinfo(0, 0) . attr(3, "$peer\0") . (defined $mac ? attr(1, pack('H*', $mac =~ s/://gr)) : '')
      . (defined $peer_mtu ? attr(4, pack('L', $peer_mtu)) : '') . queue_attrs($peer_txq, $peer_rxq) . attr(19, pack('L', $pid));    # IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_NET_NS_PID
    my $kind = attr(18, attr(1, 'veth') . attr(2, attr(1, $peer_info)));    # IFLA_LINKINFO: IFLA_INFO_KIND, IFLA_INFO_DATA: VETH_INFO_PEER
    return sub {
      my $master = '';
      if (defined $bridge) {
        my $index = if_index($_[0], $bridge) or return \qq{Error: argument "$bridge" is wrong: Device does not exist};
        $master = attr(10, pack('L', $index));    # IFLA_MASTER
      }
      [16, 0x600, ifinfo(0, 1) . attr(3, "$outer\0") . (defined $mtu ? attr(4, pack('L', $mtu)) : '') . $master . queue_attrs($txq, $rxq) . $kind];    # RTM_NEWLINK, CREATE|EXCL, up
    };
  }
  return undef;
}

# IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES, when given.
sub queue_attrs { my ($tx, $rx) = @_; defined $tx ? attr(31, pack('L', $tx)) . attr(32, pack('L', $rx)) : '' }

# The request for an existing device, or ip's message when there is none.
sub with_index {
  my ($dev, $build) = @_;
  return undef unless ifname_ok($dev);
  return sub { my $index = if_index($_[0], $dev); $index ? $build->($index) : qq{Cannot find device "$dev"} };
}

# What ip takes as an interface name: 1 to 15 characters, no slash.
sub ifname_ok { $_[0] =~ m{^[^/]{1,15}$} }

# struct ifinfomsg for device $index, with IFF_UP set (and changed) when $up.
sub ifinfo { my ($index, $up) = @_; pack('C x S l L L', 0, 0, $index, $up, $up) }

# (family, address bytes, prefix length) of ADDR or ADDR/LEN; an address alone when $plain.
sub prefix {
  my ($text, $plain) = @_;
  my ($addr, $len) = $text =~ m{^([0-9a-fA-F:.]+)(?:/(\d{1,3}))?$} or return;
  return if $plain && defined $len;
  if ($addr =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/) {
    return if grep { $_ > 255 || /^0\d/ } $1, $2, $3, $4;
    $len //= 32;
    return $len <= 32 ? (2, pack('C4', $1, $2, $3, $4), $len) : ();
  }
  return unless $addr =~ /:/;
  my $bin = Socket::inet_pton(10, $addr) // return;
  $len //= 128;
  return $len <= 128 ? (10, $bin, $len) : ();
}

sub attr { my ($type, $data) = @_; pack('S S', 4 + length $data, $type) . $data . "\0" x (-length($data) % 4) }

sub if_index {
  my ($inet, $dev) = @_;
  my $ifreq = pack('Z16 x16', $dev);
  ioctl($inet, 0x8933, $ifreq) or return 0;    # SIOCGIFINDEX
  return unpack('x16 l', $ifreq);
}

# A route netlink socket with extended acks, as ip opens it; undef when that fails (the program runs instead).
sub netlink_socket {
  socket(my $nl, 16, 3, 0) or return undef;    # AF_NETLINK, SOCK_RAW, NETLINK_ROUTE
  setsockopt($nl, 270, 10, pack('i', 1));    # SOL_NETLINK, NETLINK_CAP_ACK
  setsockopt($nl, 270, 11, pack('i', 1));    # NETLINK_EXT_ACK
  bind($nl, pack('S x2 L L', 16, 0, 0)) or return undef;
  return $nl;
}

my $seq = 0;
# Send one request and read its ack: (undef, the kernel's warning if any) when it succeeded, else ip's message.
sub netlink_talk {
  my ($nl, $request) = @_;
  my ($type, $flags, $body) = @$request;
  $seq++;
  send($nl, pack('L S S L L', 16 + length $body, $type, $flags | 5, $seq, 0) . $body, 0) or return "RTNETLINK answers: $!";    # REQUEST|ACK
  while (1) {
    defined recv($nl, my $buf, 65536, 0) or return "RTNETLINK answers: $!";
    while (length $buf >= 16) {
      my ($len, $mtype, $mflags, $mseq) = unpack('L S S L', $buf);
      my $msg = substr($buf, 0, $len < 16 ? length $buf : ($len + 3) & ~3, '');
      next unless $mtype == 2 && $mseq == $seq;    # NLMSG_ERROR: the ack
      my $errno = -unpack('x16 l', $msg);
      my $text = extack_text($msg, $mflags);
      return (undef, $text) if !$errno;
      return "Error: $text" if defined $text;
      $! = $errno;
      return "RTNETLINK answers: $!";
    }
  }
}

# The kernel's message in an ack (NLMSGERR_ATTR_MSG), with the full stop ip adds.
sub extack_text {
  my ($msg, $flags) = @_;
  return undef unless $flags & 0x200;    # NLM_F_ACK_TLVS
  my $at = 20 + ($flags & 0x100 ? 16 : unpack('x20 L', $msg));    # NLM_F_CAPPED: only the request's header is echoed
  while ($at + 4 <= length $msg) {
    my ($alen, $atype) = unpack("x$at S S", $msg);
    last if $alen < 4;
    if ($atype == 1) { my $text = unpack('Z*', substr($msg, $at + 4, $alen - 4)); return $text =~ /\.$/ ? $text : "$text." }
    $at += ($alen + 3) & ~3;
  }
  return undef;
}

sub job {
  my ($id, $timeout, $netns, $in, $input, $out, $err, @argv) = map { pack('H*', $_) } split / /, shift, -1;
  if (length $netns && !defined $setns) { print "$id -2\n"; return }
  return if kernel_job($id, $netns, $input, @argv);
  if ($in ne '/dev/null' && !write_file($in, $input)) { done_here($id, 126, "cannot write the input of $argv[0] to $in: $!\n"); unlink $in; return }
  my $pid = fork();
  child($netns, $in, $out, $err, @argv) if defined $pid && $pid == 0;
  if (!defined $pid) { print "$id -1\n"; return }
  $jobs{$pid} = $id;
  $deadline{$pid} = time + 1 + int(($timeout + 999) / 1000) if $timeout > 0;
}

my ($buf, $stdin) = ('', '');
vec($stdin, fileno(STDIN), 1) = 1;
while (1) {
  reap();
  expire() if %deadline;
  next if select(my $ready = $stdin, undef, undef, %jobs ? 0.01 : undef) <= 0;
  my $n = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $n) { next if $! == POSIX::EINTR(); last }
  last if $n == 0;
  while ((my $i = index($buf, "\n")) >= 0) {
    my $line = substr($buf, 0, $i + 1, '') =~ s/\n$//r;
    $line =~ /^g (.*)/ ? group_job($1) : job($line);
  }
}
