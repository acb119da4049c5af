/*
 * weft_io: the few things Node cannot do for a userspace switch.
 *
 * Everything here is I/O plumbing; switching decisions stay in TypeScript.
 *
 *   openTap(name)             TAP device (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR), offloads on
 *   openPacket(ifname)        AF_PACKET socket bound to one interface, promiscuous,
 *                             vnet headers on, own transmissions not looped back
 *   watch(fd, cb) / unwatch   a libuv poll on the descriptor: cb() once per wake-up
 *   recv(fd, isTap, meta)     up to META_MAX frames in one call (recvmmsg on sockets);
 *                             returns one Buffer holding them packed, meta[] describes each
 *   send(fd, isTap, frames, gso)
 *                             a batch (sendmmsg on sockets); returns frames accepted
 *   ifinfo(name) / setMtu / setUp / setMac
 *   openLinkMonitor()         a NETLINK_ROUTE socket subscribed to link changes;
 *                             drain(fd) empties it (JS then re-reads the devices)
 *   close(fd)
 *
 * Offloads. Frames are exchanged with the kernel behind a virtio-net header
 * (10 bytes). A frame whose checksum the sender left to "hardware"
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM) is completed here on receive, so every frame
 * JavaScript sees is correct on the wire. A GSO frame (a TCP super-segment up to
 * 64 KiB from a TSO-enabled veth or TAP) is handed to JavaScript whole, with its
 * segment size; on transmit to a device that takes vnet headers it is passed on
 * whole (the kernel or the peer segments it), and `segment()` cuts it in software
 * for devices that cannot (dummy ports, tunnels).
 *
 * VLAN tags that the kernel moved into packet metadata (rx VLAN offload) are put
 * back into the frame from PACKET_AUXDATA, so a trunk port sees its tags.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/virtio_net.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define VNET_LEN ((int)sizeof(struct virtio_net_hdr))
#define BATCH 32
#define SLOT (65536 + 64)
#define META_FIELDS 4 /* offset, length, gso type (0 none, 1 tcp4, 2 tcp6, 3 udp), gso size */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Descriptors whose device refused a super-segment (packet sockets cannot hand
 * one to a device without TSO: the kernel does not segment it): merging is off
 * for them, and super-segments are cut here instead. */
#define MAX_FD 65536
static uint8_t nomerge[MAX_FD];

/* ---------- N-API helpers ---------- */

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  char codebuf[32];
  snprintf(codebuf, sizeof codebuf, "E%d", err);
  napi_create_string_utf8(env, codebuf, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, text, &error);
  napi_value errnoval;
  napi_create_int32(env, err, &errnoval);
  napi_set_named_property(env, error, "errno", errnoval);
  napi_throw(env, error);
  return NULL;
}

static int arg_int(napi_env env, napi_value v) {
  int32_t x = -1;
  napi_get_value_int32(env, v, &x);
  return x;
}

static int arg_str(napi_env env, napi_value v, char *buf, size_t len) {
  size_t got = 0;
  if (napi_get_value_string_utf8(env, v, buf, len, &got) != napi_ok) return -1;
  return (int)got;
}

static napi_value mk_int(napi_env env, int64_t x) {
  napi_value v;
  napi_create_int64(env, x, &v);
  return v;
}

/* ---------- checksums ---------- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n) {
  while (n > 1) { sum += (uint32_t)p[0] << 8 | p[1]; p += 2; n -= 2; }
  if (n) sum += (uint32_t)p[0] << 8;
  return sum;
}

static uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Completes a partial checksum: the field at start+offset holds the pseudo-header sum. */
static void complete_csum(uint8_t *frame, size_t len, size_t start, size_t offset) {
  if (start + offset + 2 > len) return;
  uint16_t c = csum_fold(csum_add(0, frame + start, len - start));
  if (c == 0 && offset == 6) c = 0xffff; /* UDP: zero means "no checksum" */
  frame[start + offset] = c >> 8;
  frame[start + offset + 1] = c & 0xff;
}

/* Locates L3/L4 in an Ethernet frame. Returns the L4 protocol, or -1. */
struct layout { int l3; int l4; int ipv6; int l4proto; int l4len_hdr; };

static int parse_layout(const uint8_t *f, size_t len, struct layout *o) {
  size_t off = 12;
  if (len < 14) return -1;
  uint16_t type = f[off] << 8 | f[off + 1];
  off += 2;
  while (type == 0x8100 || type == 0x88a8) {
    if (len < off + 4) return -1;
    type = f[off + 2] << 8 | f[off + 3];
    off += 4;
  }
  o->l3 = (int)off;
  if (type == 0x0800) {
    if (len < off + 20) return -1;
    int ihl = (f[off] & 15) * 4;
    o->ipv6 = 0;
    o->l4proto = f[off + 9];
    o->l4 = (int)off + ihl;
  } else if (type == 0x86dd) {
    if (len < off + 40) return -1;
    o->ipv6 = 1;
    o->l4proto = f[off + 6]; /* extension headers are not walked: GSO frames have none */
    o->l4 = (int)off + 40;
  } else {
    return -1;
  }
  if (o->l4proto == 6) {
    if (len < (size_t)o->l4 + 20) return -1;
    o->l4len_hdr = (f[o->l4 + 12] >> 4) * 4;
  } else if (o->l4proto == 17) {
    o->l4len_hdr = 8;
  } else {
    return -1;
  }
  return o->l4proto;
}

/* ---------- opening devices ---------- */

static void set_name(struct ifreq *ifr, const char *name) {
  size_t n = strnlen(name, IFNAMSIZ - 1);
  memcpy(ifr->ifr_name, name, n);
  ifr->ifr_name[n] = 0;
}

static napi_value OpenTap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  if (argc < 1 || arg_str(env, argv[0], name, sizeof name) <= 0) {
    napi_throw_type_error(env, NULL, "openTap(name)");
    return NULL;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  set_name(&ifr, name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { int e = errno; close(fd); return throw_errno(env, "TUNSETIFF", e); }
  if (fd < MAX_FD) nomerge[fd] = 0;
  int hdrsz = VNET_LEN;
  ioctl(fd, TUNSETVNETHDRSZ, &hdrsz);
  /* Let the host hand us partial checksums and TCP super-segments. */
  unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  if (ioctl(fd, TUNSETOFFLOAD, off) < 0) ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM);
  return mk_int(env, fd);
}

static int ifindex_of(int fd, const char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  set_name(&ifr, name);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return -1;
  return ifr.ifr_ifindex;
}

static napi_value OpenPacket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  if (argc < 1 || arg_str(env, argv[0], name, sizeof name) <= 0) {
    napi_throw_type_error(env, NULL, "openPacket(ifname)");
    return NULL;
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  int ifindex = ifindex_of(fd, name);
  if (ifindex < 0) { int e = errno; close(fd); return throw_errno(env, name, e); }
  if (fd < MAX_FD) nomerge[fd] = 0;
  int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) { int e = errno; close(fd); return throw_errno(env, "PACKET_VNET_HDR", e); }
  setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  int bufsz = 16 << 20;
  /* A deep receive queue rides out the scheduling gaps of a busy machine; WEFT_RCVBUF (bytes, 0 = the
   * kernel's default) overrides it for experiments. */
  const char *rcvenv = getenv("WEFT_RCVBUF");
  int rcv = rcvenv ? atoi(rcvenv) : bufsz;
  if (rcv > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof bufsz);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { int e = errno; close(fd); return throw_errno(env, "bind(AF_PACKET)", e); }
  struct packet_mreq mr;
  memset(&mr, 0, sizeof mr);
  mr.mr_ifindex = ifindex;
  mr.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) { int e = errno; close(fd); return throw_errno(env, "PACKET_MR_PROMISC", e); }
  /* Drop whatever arrived between socket() and bind(): it may be from any interface. */
  char junk[64];
  while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) > 0) {}
  return mk_int(env, fd);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = arg_int(env, argv[0]);
  if (fd >= 0) close(fd);
  return NULL;
}

/* ---------- receive ---------- */

static uint8_t cmsgbuf[BATCH][CMSG_SPACE(sizeof(struct tpacket_auxdata))];

/* Fixes one received slot in place: completes partial checksums (non-GSO), puts
 * back an offloaded VLAN tag. Returns the frame's offset in the slot (after any
 * shift) and sets *flen, *gtype, *gsize. */
static int fix_frame(uint8_t *slot, int n, int vlan_valid, uint16_t tci, uint16_t tpid,
                     int *flen, int *gtype, int *gsize) {
  struct virtio_net_hdr *h = (struct virtio_net_hdr *)slot;
  uint8_t *f = slot + VNET_LEN;
  int len = n - VNET_LEN;
  int start = VNET_LEN;
  *gtype = 0;
  *gsize = 0;
  if (len < 0) len = 0;
  int gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
  if (gso == VIRTIO_NET_HDR_GSO_TCPV4) *gtype = 1;
  else if (gso == VIRTIO_NET_HDR_GSO_TCPV6) *gtype = 2;
  else if (gso == VIRTIO_NET_HDR_GSO_UDP || gso == 5 /* UDP_L4 */) *gtype = 3;
  if (*gtype) *gsize = h->gso_size;
  if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !*gtype) {
    complete_csum(f, (size_t)len, h->csum_start, h->csum_offset);
  }
  if (vlan_valid && len >= 12) {
    /* Move the MAC addresses 4 bytes back (into the vnet header's room) and insert the tag. */
    start -= 4;
    memmove(slot + start, f, 12);
    uint8_t *t = slot + start + 12;
    t[0] = tpid >> 8; t[1] = tpid & 0xff;
    t[2] = tci >> 8; t[3] = tci & 0xff;
    len += 4;
  }
  *flen = len;
  return start;
}

/* recv(fd, isTap, meta: Int32Array, slab: Buffer) -> number | null
 *
 * Receives up to BATCH frames straight into `slab` (BATCH slots of SLOT
 * bytes, owned by JavaScript and reused for every batch: nothing is copied
 * or allocated) and returns how many; meta gets [offset in the slab,
 * length, gsoType, gsoSize] per frame. The frames are valid until the
 * slab's next recv. */
static napi_value Recv(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool isbuf = false;
  size_t slen = 0;
  void *sdata = NULL;
  if (argc < 4 || napi_is_buffer(env, argv[3], &isbuf) != napi_ok || !isbuf
      || napi_get_buffer_info(env, argv[3], &sdata, &slen) != napi_ok || slen < (size_t)BATCH * SLOT) {
    napi_throw_type_error(env, NULL, "recv: slab must be a Buffer of BATCH * SLOT bytes");
    return NULL;
  }
  uint8_t *const area = sdata;
  int fd = arg_int(env, argv[0]);
  bool is_tap = false;
  napi_get_value_bool(env, argv[1], &is_tap);
  napi_typedarray_type ttype;
  size_t mlen;
  void *mdata;
  napi_value mbuf;
  size_t moff;
  if (napi_get_typedarray_info(env, argv[2], &ttype, &mlen, &mdata, &mbuf, &moff) != napi_ok || ttype != napi_int32_array) {
    napi_throw_type_error(env, NULL, "recv(fd, isTap, meta: Int32Array, slab)");
    return NULL;
  }
  int32_t *meta = mdata;
  int maxn = (int)(mlen / META_FIELDS) - 1;
  if (maxn > BATCH) maxn = BATCH;
  int lens[BATCH], starts[BATCH], gt[BATCH], gs[BATCH];
  int n = 0;
  if (is_tap) {
    while (n < maxn) {
      ssize_t r = read(fd, area + (size_t)n * SLOT + 4, SLOT - 4);
      if (r < 0) { if (errno == EINTR) continue; break; }
      uint8_t *slot = area + (size_t)n * SLOT + 4;
      int s = fix_frame(slot, (int)r, 0, 0, 0, &lens[n], &gt[n], &gs[n]);
      starts[n] = 4 + s;
      n++;
    }
  } else {
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)maxn);
    for (int i = 0; i < maxn; i++) {
      iov[i].iov_base = area + (size_t)i * SLOT + 4;
      iov[i].iov_len = SLOT - 4;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = cmsgbuf[i];
      msgs[i].msg_hdr.msg_controllen = sizeof cmsgbuf[i];
    }
    int r;
    do { r = recvmmsg(fd, msgs, (unsigned)maxn, MSG_DONTWAIT, NULL); } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENETDOWN) r = 0;
      else return throw_errno(env, "recvmmsg", errno);
    }
    for (int i = 0; i < r; i++) {
      int vlan_valid = 0;
      uint16_t tci = 0, tpid = 0x8100;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
          struct tpacket_auxdata *a = (struct tpacket_auxdata *)CMSG_DATA(c);
          if (a->tp_status & TP_STATUS_VLAN_VALID) {
            vlan_valid = 1;
            tci = a->tp_vlan_tci;
            if (a->tp_status & TP_STATUS_VLAN_TPID_VALID) tpid = a->tp_vlan_tpid;
          }
        }
      }
      uint8_t *slot = area + (size_t)i * SLOT + 4;
      int s = fix_frame(slot, (int)msgs[i].msg_len, vlan_valid, tci, tpid, &lens[i], &gt[i], &gs[i]);
      starts[i] = 4 + s;
    }
    n = r;
  }
  if (n == 0) {
    napi_value nul;
    napi_get_null(env, &nul);
    return nul;
  }
  for (int i = 0; i < n; i++) {
    meta[i * META_FIELDS + 0] = (int32_t)((size_t)i * SLOT + (size_t)starts[i]);
    meta[i * META_FIELDS + 1] = lens[i];
    meta[i * META_FIELDS + 2] = gt[i];
    meta[i * META_FIELDS + 3] = gs[i];
  }
  meta[n * META_FIELDS + 1] = -1; /* terminator */
  napi_value count;
  napi_create_int32(env, n, &count);
  return count;
}

/* ---------- transmit ---------- */

/* Builds the vnet header for one outgoing frame. gso_size > 0 asks for
 * segmentation by the receiver of the header (kernel or peer). */
static void make_hdr(struct virtio_net_hdr *h, const uint8_t *f, size_t len, int gso_size) {
  memset(h, 0, sizeof *h);
  if (gso_size <= 0) return;
  struct layout lo;
  int p = parse_layout(f, len, &lo);
  if (p < 0) return;
  h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  h->csum_start = (uint16_t)lo.l4;
  h->csum_offset = p == 6 ? 16 : 6;
  h->hdr_len = (uint16_t)(lo.l4 + lo.l4len_hdr);
  h->gso_size = (uint16_t)gso_size;
  h->gso_type = p == 6 ? (lo.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4) : 5 /* UDP_L4 */;
  /* The checksum field must hold the pseudo-header sum for NEEDS_CSUM. */
  uint32_t sum = 0;
  size_t l4len = len - (size_t)lo.l4;
  if (lo.ipv6) {
    sum = csum_add(sum, f + lo.l3 + 8, 32);
  } else {
    sum = csum_add(sum, f + lo.l3 + 12, 8);
  }
  sum += (uint32_t)p;
  sum += (uint32_t)(l4len & 0xffff) + (uint32_t)(l4len >> 16);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint8_t *c = (uint8_t *)f + lo.l4 + h->csum_offset;
  c[0] = sum >> 8;
  c[1] = sum & 0xff;
}

/* Writes segment `idx` (payload bytes [off, off+chunk)) of super-segment f to o,
 * with lengths, sequence number, IP id and checksums complete. Returns its length. */
static size_t write_segment(const uint8_t *f, const struct layout *lo, int p, size_t hdr, size_t off, size_t chunk,
                            int last, uint32_t idx, uint32_t seq, uint16_t ipid, uint8_t *o) {
  memcpy(o, f, hdr);
  memcpy(o + hdr, f + hdr + off, chunk);
  size_t l3len = hdr + chunk - (size_t)lo->l3;
  if (lo->ipv6) {
    size_t pl = l3len - 40;
    o[lo->l3 + 4] = (uint8_t)(pl >> 8); o[lo->l3 + 5] = (uint8_t)pl;
  } else {
    o[lo->l3 + 2] = (uint8_t)(l3len >> 8); o[lo->l3 + 3] = (uint8_t)l3len;
    uint16_t id = (uint16_t)(ipid + idx);
    o[lo->l3 + 4] = id >> 8; o[lo->l3 + 5] = id & 0xff;
    o[lo->l3 + 10] = 0; o[lo->l3 + 11] = 0;
    uint16_t c = csum_fold(csum_add(0, o + lo->l3, (size_t)(lo->l4 - lo->l3)));
    o[lo->l3 + 10] = c >> 8; o[lo->l3 + 11] = c & 0xff;
  }
  size_t l4len = hdr + chunk - (size_t)lo->l4;
  uint8_t *l4 = o + lo->l4;
  if (p == 6) {
    uint32_t sq = seq + (uint32_t)off;
    l4[4] = (uint8_t)(sq >> 24); l4[5] = (uint8_t)(sq >> 16); l4[6] = (uint8_t)(sq >> 8); l4[7] = (uint8_t)sq;
    if (!last) l4[13] &= (uint8_t)~(0x01 | 0x08); /* FIN, PSH only on the last */
    if (idx > 0) l4[13] &= (uint8_t)~0x80;        /* CWR only on the first */
    l4[16] = l4[17] = 0;
  } else {
    l4[4] = (uint8_t)(l4len >> 8); l4[5] = (uint8_t)l4len;
    l4[6] = l4[7] = 0;
  }
  uint32_t sum = 0;
  if (lo->ipv6) sum = csum_add(sum, o + lo->l3 + 8, 32);
  else sum = csum_add(sum, o + lo->l3 + 12, 8);
  sum += (uint32_t)p + (uint32_t)l4len;
  sum = csum_add(sum, l4, l4len);
  uint16_t c = csum_fold(sum);
  if (p == 17 && c == 0) c = 0xffff;
  int co = p == 6 ? 16 : 6;
  l4[co] = c >> 8; l4[co + 1] = c & 0xff;
  return hdr + chunk;
}

struct segplan { struct layout lo; int p; size_t hdr; size_t payload; uint32_t seq; uint16_t ipid; };

static int plan_segments(const uint8_t *f, size_t len, struct segplan *sp) {
  sp->p = parse_layout(f, len, &sp->lo);
  if (sp->p < 0) return -1;
  sp->hdr = (size_t)sp->lo.l4 + (size_t)sp->lo.l4len_hdr;
  if (len <= sp->hdr) return -1;
  sp->payload = len - sp->hdr;
  const struct layout *lo = &sp->lo;
  sp->seq = sp->p == 6 ? ((uint32_t)f[lo->l4 + 4] << 24 | (uint32_t)f[lo->l4 + 5] << 16 | (uint32_t)f[lo->l4 + 6] << 8 | f[lo->l4 + 7]) : 0;
  sp->ipid = lo->ipv6 ? 0 : (uint16_t)(f[lo->l3 + 4] << 8 | f[lo->l3 + 5]);
  return 0;
}

/* ---------- receive-side coalescing on transmit (software GRO) ----------
 *
 * A batch often holds consecutive full-size segments of one TCP stream (the
 * sender's TSO was off, or the frames came from a wire). Handing them to the
 * kernel as one super-segment behind a vnet header costs one trip through the
 * receiving stack instead of one per segment, as GRO does in NIC drivers. The
 * merged frame is gathered with iovecs (no copy of the payloads): a copy of
 * the first segment's headers with lengths fixed, then each payload. */

struct seg {
  uint8_t *d;
  size_t len;
  int gso;
  struct layout lo;
  size_t hdr; /* bytes of headers through TCP */
  size_t pl;  /* payload bytes */
  uint32_t seq;
  int ok;     /* a candidate for merging */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80
#define MERGE_MAX 60000

static void seg_init(struct seg *s, uint8_t *d, size_t len, int gso) {
  s->d = d; s->len = len; s->gso = gso; s->ok = 0;
  if (gso > 0 || parse_layout(d, len, &s->lo) != 6) return;
  const uint8_t *ip = d + s->lo.l3;
  if (!s->lo.ipv6) {
    if ((ip[0] & 15) != 5) return;                        /* IP options */
    if (((ip[6] << 8 | ip[7]) & 0x3fff) != 0) return;     /* a fragment */
    if ((size_t)(ip[2] << 8 | ip[3]) != len - (size_t)s->lo.l3) return; /* padding or truncation */
  } else {
    if ((size_t)(ip[4] << 8 | ip[5]) + 40 != len - (size_t)s->lo.l3) return;
  }
  const uint8_t *t = d + s->lo.l4;
  uint8_t flags = t[13];
  if (flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_URG | TCP_CWR | TCP_ECE)) return;
  if (!(flags & TCP_ACK)) return;
  s->hdr = (size_t)s->lo.l4 + (size_t)s->lo.l4len_hdr;
  if (len <= s->hdr) return;
  s->pl = len - s->hdr;
  s->seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
  s->ok = 1;
}

/* Whether b continues a's stream in a way the receiver can take as one super-segment. */
static int seg_follows(const struct seg *a, const struct seg *b) {
  if (!b->ok || a->hdr != b->hdr || a->lo.l3 != b->lo.l3 || a->lo.ipv6 != b->lo.ipv6) return 0;
  if (b->seq != a->seq + (uint32_t)a->pl) return 0;
  if (memcmp(a->d, b->d, (size_t)a->lo.l3) != 0) return 0;
  const uint8_t *x = a->d + a->lo.l3, *y = b->d + b->lo.l3;
  if (!a->lo.ipv6) {
    if (x[1] != y[1] || x[8] != y[8] || memcmp(x + 12, y + 12, 8) != 0) return 0;
  } else {
    if (memcmp(x, y, 4) != 0 || x[7] != y[7] || memcmp(x + 8, y + 8, 32) != 0) return 0;
  }
  const uint8_t *t = a->d + a->lo.l4, *u = b->d + b->lo.l4;
  if (memcmp(t, u, 4) != 0 || memcmp(t + 8, u + 8, 5) != 0 || memcmp(t + 14, u + 14, 2) != 0) return 0;
  if ((t[13] & ~TCP_PSH) != (u[13] & ~TCP_PSH)) return 0;
  if (t[13] & TCP_PSH) return 0; /* PSH ends a run */
  size_t opt = a->hdr - (size_t)a->lo.l4 - 20;
  if (opt && memcmp(t + 20, u + 20, opt) != 0) return 0;
  return 1;
}

static uint8_t hdrcopy[BATCH][128];


static int write_plain(int fd, bool is_tap, const uint8_t *d, size_t len) {
  struct virtio_net_hdr h;
  memset(&h, 0, sizeof h);
  struct iovec v[2] = { { &h, VNET_LEN }, { (void *)d, len } };
  ssize_t r;
  if (is_tap) {
    do { r = writev(fd, v, 2); } while (r < 0 && errno == EINTR);
  } else {
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = v;
    mh.msg_iovlen = 2;
    do { r = sendmsg(fd, &mh, MSG_DONTWAIT); } while (r < 0 && errno == EINTR);
  }
  return r >= 0;
}

static uint8_t segbuf[65536 + 256];

/* Sends what one refused message carried, frame by frame: the original
 * segments of a merged run, or a super-segment cut in software. */
static int send_unmerged(int fd, bool is_tap, struct seg *segs, int n) {
  int ok = 0;
  if (n == 1 && segs[0].gso > 0) {
    struct segplan sp;
    if (plan_segments(segs[0].d, segs[0].len, &sp) < 0) return 0;
    size_t mss = (size_t)segs[0].gso;
    int all = 1;
    uint32_t idx = 0;
    for (size_t off = 0; off < sp.payload; off += mss, idx++) {
      size_t chunk = sp.payload - off < mss ? sp.payload - off : mss;
      if (sp.hdr + chunk > sizeof segbuf) return 0;
      size_t l = write_segment(segs[0].d, &sp.lo, sp.p, sp.hdr, off, chunk, off + chunk >= sp.payload, idx, sp.seq, sp.ipid, segbuf);
      all &= write_plain(fd, is_tap, segbuf, l);
    }
    return all;
  }
  for (int i = 0; i < n; i++) ok += write_plain(fd, is_tap, segs[i].d, segs[i].len);
  return ok;
}

/* send(fd, isTap, frames: Buffer[], gso: Int32Array | null) -> number accepted */
static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = arg_int(env, argv[0]);
  bool is_tap = false;
  napi_get_value_bool(env, argv[1], &is_tap);
  uint32_t count = 0;
  if (napi_get_array_length(env, argv[2], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(fd, isTap, frames[], gso)");
    return NULL;
  }
  int32_t *gso = NULL;
  size_t gsolen = 0;
  napi_valuetype gt;
  napi_typeof(env, argv[3], &gt);
  if (gt == napi_object) {
    napi_typedarray_type tt;
    void *d;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, argv[3], &tt, &gsolen, &d, &ab, &off) == napi_ok && tt == napi_int32_array) gso = d;
  }
  struct seg segs[BATCH];
  struct virtio_net_hdr hdrs[BATCH];
  struct iovec iov[BATCH * 2 + BATCH];
  struct mmsghdr msgs[BATCH];
  int frames_in[BATCH], first[BATCH];
  int sent = 0;
  bool merge = fd >= 0 && fd < MAX_FD && !nomerge[fd];
  for (uint32_t base = 0; base < count; base += BATCH) {
    int n = (int)((count - base) < BATCH ? (count - base) : BATCH);
    for (int i = 0; i < n; i++) {
      napi_value el;
      napi_get_element(env, argv[2], base + (uint32_t)i, &el);
      void *data = NULL;
      size_t len = 0;
      napi_get_buffer_info(env, el, &data, &len);
      int g = gso && base + (uint32_t)i < gsolen ? gso[base + i] : 0;
      seg_init(&segs[i], data, len, g);
    }
    /* Group frames into messages: a run of mergeable segments becomes one. */
    int m = 0, nio = 0;
    for (int i = 0; i < n;) {
      int j = i + 1;
      size_t total = segs[i].len;
      if (segs[i].ok && merge) {
        while (j < n && seg_follows(&segs[j - 1], &segs[j]) && segs[j].pl <= segs[i].pl &&
               segs[j - 1].pl == segs[i].pl && total + segs[j].pl <= MERGE_MAX) {
          total += segs[j].pl;
          j++;
        }
      }
      struct iovec *v = &iov[nio];
      v[0].iov_base = &hdrs[m];
      v[0].iov_len = VNET_LEN;
      if (j - i == 1 || segs[i].hdr > sizeof hdrcopy[0]) {
        j = i + 1;
        make_hdr(&hdrs[m], segs[i].d, segs[i].len, segs[i].gso);
        v[1].iov_base = segs[i].d;
        v[1].iov_len = segs[i].len;
        nio += 2;
        msgs[m].msg_hdr.msg_iovlen = 2;
      } else {
        struct seg *f = &segs[i];
        uint8_t *h = hdrcopy[m];
        memcpy(h, f->d, f->hdr);
        uint8_t *ip = h + f->lo.l3;
        size_t l3len = total - (size_t)f->lo.l3;
        if (!f->lo.ipv6) {
          ip[2] = (uint8_t)(l3len >> 8); ip[3] = (uint8_t)l3len;
          ip[10] = ip[11] = 0;
          uint16_t c = csum_fold(csum_add(0, ip, 20));
          ip[10] = c >> 8; ip[11] = c & 0xff;
        } else {
          size_t pl = l3len - 40;
          ip[4] = (uint8_t)(pl >> 8); ip[5] = (uint8_t)pl;
        }
        h[f->lo.l4 + 13] |= segs[j - 1].d[segs[j - 1].lo.l4 + 13] & TCP_PSH;
        make_hdr(&hdrs[m], h, total, (int)f->pl);
        v[1].iov_base = h;
        v[1].iov_len = f->hdr;
        int k = 2;
        for (int q = i; q < j; q++) {
          v[k].iov_base = segs[q].d + segs[q].hdr;
          v[k].iov_len = segs[q].pl;
          k++;
        }
        nio += k;
        msgs[m].msg_hdr.msg_iovlen = (size_t)k;
      }
      msgs[m].msg_hdr.msg_iov = v;
      frames_in[m] = j - i;
      first[m] = i;
      m++;
      i = j;
    }
    for (int q = 0; q < m; q++) {
      msgs[q].msg_hdr.msg_name = NULL;
      msgs[q].msg_hdr.msg_namelen = 0;
      msgs[q].msg_hdr.msg_control = NULL;
      msgs[q].msg_hdr.msg_controllen = 0;
      msgs[q].msg_hdr.msg_flags = 0;
    }
    if (is_tap) {
      for (int q = 0; q < m; q++) {
        ssize_t r;
        do { r = writev(fd, msgs[q].msg_hdr.msg_iov, (int)msgs[q].msg_hdr.msg_iovlen); } while (r < 0 && errno == EINTR);
        if (r >= 0) sent += frames_in[q];
        else if (hdrs[q].gso_type != VIRTIO_NET_HDR_GSO_NONE && errno != EAGAIN && errno != EIO) {
          if (fd < MAX_FD) nomerge[fd] = 1;
          sent += send_unmerged(fd, is_tap, &segs[first[q]], frames_in[q]);
        }
      }
    } else {
      int done = 0;
      while (done < m) {
        int r = sendmmsg(fd, msgs + done, (unsigned)(m - done), MSG_DONTWAIT);
        if (r < 0) {
          if (errno == EINTR) continue;
          if (hdrs[done].gso_type != VIRTIO_NET_HDR_GSO_NONE && errno != EAGAIN && errno != ENETDOWN) {
            if (fd < MAX_FD) nomerge[fd] = 1;
            sent += send_unmerged(fd, is_tap, &segs[first[done]], frames_in[done]);
          }
          /* Otherwise the kernel refused it (device down, queue full): skip it and go on. */
          done++;
          continue;
        }
        for (int q = done; q < done + r; q++) sent += frames_in[q];
        done += r;
      }
    }
  }
  return mk_int(env, sent);
}

/* segment(frame, gsoSize) -> Buffer[]: software TSO/USO, checksums complete. */
static napi_value Segment(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *f;
  size_t len;
  if (napi_get_buffer_info(env, argv[0], (void **)&f, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "segment(frame, gsoSize)");
    return NULL;
  }
  int mss = arg_int(env, argv[1]);
  napi_value arr;
  napi_create_array(env, &arr);
  struct segplan sp;
  if (mss <= 0 || plan_segments(f, len, &sp) < 0) return arr;
  uint32_t idx = 0;
  for (size_t off = 0; off < sp.payload; off += (size_t)mss, idx++) {
    size_t chunk = sp.payload - off < (size_t)mss ? sp.payload - off : (size_t)mss;
    uint8_t *o;
    napi_value seg;
    if (napi_create_buffer(env, sp.hdr + chunk, (void **)&o, &seg) != napi_ok) return arr;
    write_segment(f, &sp.lo, sp.p, sp.hdr, off, chunk, off + chunk >= sp.payload, idx, sp.seq, sp.ipid, o);
    napi_set_element(env, arr, idx, seg);
  }
  return arr;
}

/* ---------- device information ---------- */

static int ctl_fd(void) {
  static int fd = -1;
  if (fd < 0) fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  return fd;
}

/* ifinfo(name) -> { ifindex, mtu, mac: number, up, running } | throws */
static napi_value IfInfo(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  if (argc < 1 || arg_str(env, argv[0], name, sizeof name) <= 0) {
    napi_throw_type_error(env, NULL, "ifinfo(name)");
    return NULL;
  }
  int s = ctl_fd();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  set_name(&ifr, name);
  if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) return throw_errno(env, name, errno);
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(s, SIOCGIFMTU, &ifr) < 0) return throw_errno(env, name, errno);
  int mtu = ifr.ifr_mtu;
  if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) return throw_errno(env, name, errno);
  double mac = 0;
  for (int i = 0; i < 6; i++) mac = mac * 256 + (uint8_t)ifr.ifr_hwaddr.sa_data[i];
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return throw_errno(env, name, errno);
  int flags = ifr.ifr_flags;
  napi_value o, v;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "ifindex", mk_int(env, ifindex));
  napi_set_named_property(env, o, "mtu", mk_int(env, mtu));
  napi_create_double(env, mac, &v);
  napi_set_named_property(env, o, "mac", v);
  napi_get_boolean(env, (flags & IFF_UP) != 0, &v);
  napi_set_named_property(env, o, "up", v);
  napi_get_boolean(env, (flags & IFF_RUNNING) != 0, &v);
  napi_set_named_property(env, o, "running", v);
  return o;
}

static napi_value SetMtu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  arg_str(env, argv[0], name, sizeof name);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  set_name(&ifr, name);
  ifr.ifr_mtu = arg_int(env, argv[1]);
  if (ioctl(ctl_fd(), SIOCSIFMTU, &ifr) < 0) return throw_errno(env, name, errno);
  return NULL;
}

static napi_value SetUp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  arg_str(env, argv[0], name, sizeof name);
  bool up = false;
  napi_get_value_bool(env, argv[1], &up);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  set_name(&ifr, name);
  if (ioctl(ctl_fd(), SIOCGIFFLAGS, &ifr) < 0) return throw_errno(env, name, errno);
  if (up) ifr.ifr_flags |= IFF_UP; else ifr.ifr_flags &= ~IFF_UP;
  if (ioctl(ctl_fd(), SIOCSIFFLAGS, &ifr) < 0) return throw_errno(env, name, errno);
  return NULL;
}

static napi_value SetMac(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  arg_str(env, argv[0], name, sizeof name);
  double mac = 0;
  napi_get_value_double(env, argv[1], &mac);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  set_name(&ifr, name);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  uint64_t m = (uint64_t)mac;
  for (int i = 5; i >= 0; i--) { ifr.ifr_hwaddr.sa_data[i] = (char)(m & 0xff); m >>= 8; }
  if (ioctl(ctl_fd(), SIOCSIFHWADDR, &ifr) < 0) return throw_errno(env, name, errno);
  return NULL;
}

static napi_value OpenLinkMonitor(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return throw_errno(env, "socket(NETLINK_ROUTE)", errno);
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { int e = errno; close(fd); return throw_errno(env, "bind(NETLINK_ROUTE)", e); }
  return mk_int(env, fd);
}

/* drain(fd) -> bytes discarded */
static napi_value Drain(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = arg_int(env, argv[0]);
  static char buf[16384];
  int64_t total = 0;
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    total += r;
  }
  return mk_int(env, total);
}

/* ---------- readiness: one libuv poll per descriptor ---------- */

struct watcher {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref cb;
  int closing;
};

static void on_closed(uv_handle_t *h) {
  free(h->data);
}

static void on_ready(uv_poll_t *p, int status, int events) {
  (void)events;
  struct watcher *w = p->data;
  if (w->closing) return;
  if (status < 0) {
    /* libuv stops a poll on POLLERR (a packet socket reports ENETDOWN when its
     * device goes down). Clear the socket error and keep watching: the socket
     * works again when the device comes back up. */
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    uv_poll_start(&w->poll, UV_READABLE, on_ready);
  }
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, global, arg;
  napi_get_reference_value(w->env, w->cb, &cb);
  napi_get_global(w->env, &global);
  napi_create_int32(w->env, status, &arg);
  napi_value result;
  if (napi_call_function(w->env, global, cb, 1, &arg, &result) != napi_ok) {
    /* An exception escaped the JS handler: surface it as Node does for callbacks. */
    napi_value exc;
    if (napi_get_and_clear_last_exception(w->env, &exc) == napi_ok) napi_fatal_exception(w->env, exc);
  }
  napi_close_handle_scope(w->env, scope);
}

static void finalize_watcher(napi_env env, void *data, void *hint) {
  (void)env; (void)data; (void)hint;
}

/* watch(fd, cb) -> handle (external) */
static napi_value Watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = arg_int(env, argv[0]);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  struct watcher *w = calloc(1, sizeof *w);
  w->env = env;
  w->fd = fd;
  napi_create_reference(env, argv[1], 1, &w->cb);
  w->poll.data = w;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) { napi_delete_reference(env, w->cb); free(w); return throw_errno(env, "uv_poll_init", -rc); }
  uv_poll_start(&w->poll, UV_READABLE, on_ready);
  napi_value ext;
  napi_create_external(env, w, finalize_watcher, NULL, &ext);
  return ext;
}

static napi_value Unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct watcher *w = NULL;
  napi_get_value_external(env, argv[0], (void **)&w);
  if (!w || w->closing) return NULL;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->cb);
  uv_close((uv_handle_t *)&w->poll, on_closed);
  return NULL;
}

/* Unrefs a watcher so an idle device does not keep the process alive. */
static napi_value Unref(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct watcher *w = NULL;
  napi_get_value_external(env, argv[0], (void **)&w);
  if (w && !w->closing) uv_unref((uv_handle_t *)&w->poll);
  return NULL;
}

#define EXPORT(name, fn)                                          \
  do {                                                            \
    napi_value f;                                                 \
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f); \
    napi_set_named_property(env, exports, name, f);               \
  } while (0)

static napi_value Init(napi_env env, napi_value exports) {
  EXPORT("openTap", OpenTap);
  EXPORT("openPacket", OpenPacket);
  EXPORT("close", Close);
  EXPORT("recv", Recv);
  EXPORT("send", Send);
  EXPORT("segment", Segment);
  EXPORT("ifinfo", IfInfo);
  EXPORT("setMtu", SetMtu);
  EXPORT("setUp", SetUp);
  EXPORT("setMac", SetMac);
  EXPORT("openLinkMonitor", OpenLinkMonitor);
  EXPORT("drain", Drain);
  EXPORT("watch", Watch);
  EXPORT("unwatch", Unwatch);
  EXPORT("unref", Unref);
  napi_value v;
  napi_create_int32(env, META_FIELDS, &v);
  napi_set_named_property(env, exports, "META_FIELDS", v);
  napi_create_int32(env, BATCH, &v);
  napi_set_named_property(env, exports, "BATCH", v);
  napi_create_int32(env, SLOT, &v);
  napi_set_named_property(env, exports, "SLOT", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
