# conlink's job helper (started by src/net/spawner.ts): runs short programs
# for node, which pays 5-30 ms per fork of itself. perl-base only.
#
# stdin, one job a line, every field hex-encoded:
#   id timeout-ms netns stdin-file stdout-file stderr-file argv...
# (`ethtool --offload DEV tx off` is done by the helper itself: see tx_offload_off)
# netns is empty or a namespace file (/proc/PID/ns/net) that the child enters
# with setns(2) before exec, so no nsenter process is needed.
# stdout, one line as each job ends: `id wait-status` (`id -1` when it could
# not fork; `id T` when it was killed after timeout-ms).
#
# Children are reaped in the main loop, never in a signal handler: perl runs
# handlers only between statements, so a SIGCHLD that lands just before a
# blocking read would wait for the next input. While jobs run, select() wakes
# at least every 10 ms; the empty SIGCHLD handler makes it wake at once.
use strict;
use POSIX ();
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
  tx_offload_off($argv[2]) if "@argv[0, 1, 3, 4]" eq 'ethtool --offload tx off' && @argv == 5;
  exec { $argv[0] } @argv;
  print STDERR "cannot run $argv[0]: $!\n";
  POSIX::_exit(127);
}

# `ethtool --offload DEV tx off`, the default of every veth link, done here
# without an exec of ethtool: the SIOCETHTOOL ioctl with ETHTOOL_STXCSUM = 0,
# which the kernel applies as ethtool's netlink request does (every tx
# checksum feature off, then the features that depend on them).
sub tx_offload_off {
  my ($dev) = @_;
  socket(my $s, 2, 2, 0) or do { print STDERR "cannot open a socket: $!\n"; POSIX::_exit(1) };    # AF_INET, SOCK_DGRAM, in the namespace entered
  my $value = pack('L L', 0x17, 0);    # struct ethtool_value { ETHTOOL_STXCSUM, off }
  my $ifreq = pack('Z16 P x16', $dev, $value);    # struct ifreq: name, then a pointer to the value
  ioctl($s, 0x8946, $ifreq) or do { print STDERR "Cannot set tx offload of $dev: $!\n"; POSIX::_exit(1) };    # SIOCETHTOOL
  POSIX::_exit(0);
}

sub job {
  my ($id, $timeout, $netns, @rest) = map { pack('H*', $_) } split / /, shift, -1;
  if (length $netns && !defined $setns) { print "$id -2\n"; return }
  my $pid = fork();
  child($netns, @rest) if defined $pid && $pid == 0;
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
  while ((my $i = index($buf, "\n")) >= 0) { job(substr($buf, 0, $i + 1, '') =~ s/\n$//r) }
}
