#!/usr/bin/perl
# Frame builders and capture readers for the bond parity harness (fast: one
# short-lived perl per call). Formats as the acceptance harness's ovstool.
use strict; use warnings;

my @LACP_BITS = qw(activity timeout aggregation synchronized collecting distributing defaulted expired);

sub kv { my ($d, @a) = @_; my %h = %$d; for (@a) { my ($k, $v) = split /=/, $_, 2; $h{$k} = $v // ''; } return \%h; }
sub mac { my $m = shift; return pack('C6', map { hex } split /:/, $m); }
sub ip { return pack('C4', split /\./, shift); }
sub ip6 {
  my ($head, $tail) = split /::/, shift, 2;
  my @h = map { hex } grep { length } split /:/, ($head // '');
  my @t = map { hex } grep { length } split /:/, ($tail // '');
  return pack('n8', @h, (0) x (8 - @h - @t), @t);
}
sub num { my $v = shift; return $v =~ /^0x/i ? hex($v) : $v + 0; }
sub eth {
  my $d = shift;
  my $h = mac($d->{dst}) . mac($d->{src});
  $h .= pack('nn', 0x8100, ((num($d->{pcp} || 0)) << 13) | num($d->{vlan})) if ($d->{vlan} // '') ne '';
  return $h;
}
sub state_val {
  my $t = shift;
  return 0 if $t eq '' || $t eq '-';
  return num($t) if $t =~ /^(0x[0-9a-f]+|\d+)$/i;
  my $v = 0;
  for my $n (split /,/, $t) { my ($i) = grep { $LACP_BITS[$_] eq $n } 0..$#LACP_BITS; die "bad state $n\n" unless defined $i; $v |= 1 << $i; }
  return $v;
}
sub state_str { my $v = shift; my @w = map { $LACP_BITS[$_] } grep { $v & (1 << $_) } 0..7; return @w ? join(',', @w) : '-'; }
sub csum { my $b = shift; $b .= "\0" if length($b) % 2; my $s = 0; $s += $_ for unpack('n*', $b); $s = ($s & 0xffff) + ($s >> 16) while $s >> 16; return ~$s & 0xffff; }

sub read_pcap {
  my $f = shift;
  open(my $fh, '<:raw', $f) or return ();
  local $/; my $data = <$fh>; close $fh;
  return () if length($data) < 24;
  my $magic = unpack('H8', substr($data, 0, 4));
  my $e = ($magic eq 'd4c3b2a1' || $magic eq '4d3cb2a1') ? 'V' : 'N';
  my @frames; my $off = 24;
  while ($off + 16 <= length($data)) {
    my $incl = unpack($e, substr($data, $off + 8, 4));
    $off += 16;
    last if $off + $incl > length($data);
    push @frames, unpack('H*', substr($data, $off, $incl));
    $off += $incl;
  }
  return @frames;
}
sub frame_type {
  my $b = pack('H*', shift);
  return -1 if length($b) < 14;
  my $t = unpack('n', substr($b, 12, 2));
  $t = unpack('n', substr($b, 16, 2)) if $t == 0x8100 && length($b) >= 18;
  return $t;
}
sub pcaps { my $d = shift; opendir(my $dh, $d) or return (); my %p = map { (my $n = $_) =~ s/\.pcap$//; ($n => "$d/$_") } grep { /\.pcap$/ } readdir $dh; return %p; }
sub load_mark { my $d = shift; my %m; if (open(my $fh, '<', "$d/.txmark")) { while (<$fh>) { chomp; my ($p, $n) = split / /; $m{$p} = $n; } } return %m; }

my $cmd = shift @ARGV // '';
if ($cmd eq 'pkt') {
  my $d = kv({ dst => 'ff:ff:ff:ff:ff:ff', src => '50:54:00:00:00:01', vlan => '', pcp => '', type => '0x88b5', fill => 0, plen => 46 }, @ARGV);
  my $fill = num($d->{fill});
  my $payload = pack('C*', map { ($fill + $_) & 0xff } 0 .. num($d->{plen}) - 1);
  print unpack('H*', eth($d) . pack('n', num($d->{type})) . $payload), "\n";
} elsif ($cmd eq 'udp4') {
  my $d = kv({ dst => 'ff:ff:ff:ff:ff:ff', src => '50:54:00:00:00:01', vlan => '', pcp => '', ip_src => '192.0.2.1', ip_dst => '192.0.2.2', sport => 1000, dport => 2000, plen => 18 }, @ARGV);
  my $payload = pack('C*', map { $_ & 0xff } 0 .. num($d->{plen}) - 1);
  my $udp = pack('nnnn', $d->{sport}, $d->{dport}, 8 + length($payload), 0) . $payload;
  my $hdr = pack('CCnnnCCna4a4', 0x45, 0, 20 + length($udp), 0, 0x4000, 64, 17, 0, ip($d->{ip_src}), ip($d->{ip_dst}));
  substr($hdr, 10, 2) = pack('n', csum($hdr));
  print unpack('H*', eth($d) . pack('n', 0x0800) . $hdr . $udp), "\n";
} elsif ($cmd eq 'udp6') {
  my $d = kv({ dst => 'ff:ff:ff:ff:ff:ff', src => '50:54:00:00:00:01', vlan => '', pcp => '', ip_src => '2001:db8::1', ip_dst => '2001:db8::2', sport => 1000, dport => 2000, plen => 18 }, @ARGV);
  my $payload = pack('C*', map { $_ & 0xff } 0 .. num($d->{plen}) - 1);
  my $udp = pack('nnnn', $d->{sport}, $d->{dport}, 8 + length($payload), 0) . $payload;
  my $hdr = pack('NnCC', 0x60000000, length($udp), 17, 64) . ip6($d->{ip_src}) . ip6($d->{ip_dst});
  print unpack('H*', eth($d) . pack('n', 0x86dd) . $hdr . $udp), "\n";
} elsif ($cmd eq 'lacpdu') {
  my $d = kv({ src => '50:54:00:00:00:01', actor_sys => '00:00:00:00:00:00', actor_prio => 65535, actor_key => 0, actor_port => 0,
               actor_port_prio => 65535, actor_state => 0, partner_sys => '00:00:00:00:00:00', partner_prio => 0, partner_key => 0,
               partner_port => 0, partner_port_prio => 0, partner_state => 0 }, @ARGV);
  my $info = sub { my $p = shift; pack('na6nnnCx3', $d->{"${p}_prio"}, mac($d->{"${p}_sys"}), $d->{"${p}_key"}, $d->{"${p}_port_prio"}, $d->{"${p}_port"}, state_val($d->{"${p}_state"})) };
  my $pdu = pack('CC', 1, 1) . pack('CC', 1, 20) . $info->('actor') . pack('CC', 2, 20) . $info->('partner') . pack('CCnx12', 3, 16, 0) . pack('CC', 0, 0) . ("\0" x 50);
  print unpack('H*', mac('01:80:c2:00:00:02') . mac($d->{src}) . pack('n', 0x8809) . $pdu), "\n";
} elsif ($cmd eq 'txmark' || $cmd eq 'txget' || $cmd eq 'tx') {
  my $all = grep { $_ eq '--all' } @ARGV;
  my ($d) = grep { !/^--/ } @ARGV;
  my %p = pcaps($d); my %mark = load_mark($d);
  my (@lines, %count);
  for my $port (sort keys %p) {
    my @f = read_pcap($p{$port});
    $count{$port} = scalar @f;
    next if $cmd eq 'txmark';
    for my $fr (@f[($mark{$port} // 0) .. $#f]) { push @lines, "$port $fr" if $all || !grep { $_ == frame_type($fr) } (0x8809, 0x8035); }
  }
  print "$_\n" for sort @lines;
  if ($cmd ne 'txget') { open(my $fh, '>', "$d/.txmark") or die; print $fh "$_ $count{$_}\n" for sort keys %count; close $fh; }
} elsif ($cmd eq 'lacp-decode') {
  while (my $line = <STDIN>) {
    chomp $line; my @parts = split ' ', $line; next unless @parts;
    my $port = @parts == 2 ? $parts[0] : '-';
    my $b = pack('H*', $parts[-1]);
    next if length($b) < 124 || unpack('n', substr($b, 12, 2)) != 0x8809 || ord(substr($b, 14, 1)) != 1;
    my @out; my $off = 16;
    for my $tlv (1, 2) {
      my ($t, $ln) = unpack('CC', substr($b, $off, 2));
      my ($prio, $sys, $key, $pprio, $pnum, $st) = unpack('na6nnnC', substr($b, $off + 2, 15));
      push @out, sprintf('%s sys=%s prio=%d key=%d port=%d port_prio=%d state=%s', $tlv == 1 ? 'actor' : 'partner',
        join(':', map { sprintf '%02x', $_ } unpack('C6', $sys)), $prio, $key, $pnum, $pprio, state_str($st));
      push @out, 'BAD-TLV' if $t != $tlv || $ln != 20;
      $off += 20;
    }
    printf "%s dst=%s version=%d %s\n", $port, join(':', map { sprintf '%02x', $_ } unpack('C6', substr($b, 0, 6))), ord(substr($b, 15, 1)), join(' | ', @out);
  }
} else {
  die "usage: tool.pl pkt|udp4|udp6|lacpdu|txmark|txget|tx|lacp-decode ...\n";
}
