/*
 * sip_tls_load: a paced SIP REGISTER-with-digest load client over TLS, TCP or UDP, for
 * bench/sip_bench.sh. SIPp 3.6.1 as Debian builds it has no TLS, hence this program; it also
 * does UDP because SIPp only answers the first WWW-Authenticate header of a 401 and gives up
 * when that one is SHA-256 (RFC 8760 servers, Lockline among them, list SHA-256 first). It uses
 * OpenSSL directly and nothing of Lockline, so that it drives Lockline and the reference server
 * (Kamailio) exactly alike.
 *
 * Every registration is two transactions on one of K long-lived connections (opened once, reused
 * for every registration; with UDP, K sockets, and requests are retransmitted on RFC 3261
 * timer E: 500 ms doubling up to 4 s):
 *   REGISTER (no credentials)            -> expects 401 with WWW-Authenticate
 *   REGISTER with Authorization (qop=auth, nc, cnonce; MD5 or SHA-256) -> expects 200
 * Registrations are started at a fixed offered rate (not closed-loop), round-robin over the
 * connections, users taken in order from a CSV file (extension,password[,...]).
 *
 * Results go to stdout as key=value lines (read by the script): counts of successes and failures
 * (by reason), the latency of a whole registration (first REGISTER sent -> 200 received)
 * p50/p90/p99/max in ms, the negotiated TLS protocol and cipher.
 *
 * Build: cc -O2 -o sip_tls_load sip_tls_load.c -lssl -lcrypto
 * Usage: sip_tls_load --port P --users FILE [--host 127.0.0.1] [--transport tls|tcp|udp]
 *                     [--connections K] [--rate R] [--duration S | --count N]
 *                     [--domain D] [--algorithm MD5|SHA-256] [--expires S] [--timeout MS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- options ---------------------------------------------------------------------------- */
static const char* opt_host = "127.0.0.1";
static int opt_port = 0;
enum { T_TLS, T_TCP, T_UDP };
static int opt_transport = T_TLS;
static int opt_connections = 4;
static double opt_rate = 1000;
static double opt_duration = 10;
static long opt_count = -1; /* overrides rate * duration when set */
static const char* opt_domain = "pbx.test";
static const char* opt_users = NULL;
static const char* opt_algorithm = "MD5";
static int opt_expires = 3600;
static int opt_timeout_ms = 5000;

/* ---- small helpers ---------------------------------------------------------------------- */
static void die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sip_tls_load: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void* xrealloc(void* p, size_t n) {
  void* q = realloc(p, n);
  if (!q) die("out of memory");
  return q;
}

/* ---- users ------------------------------------------------------------------------------ */
typedef struct {
  char* name;
  char* password;
} user_t;

static user_t* users;
static size_t n_users;

/* Reads "extension,password[,anything]" lines; blank lines and lines starting with # skipped. */
static void load_users(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) die("cannot open %s", path);
  char line[1024];
  size_t cap = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    char* comma = strchr(line, ',');
    if (!comma) die("%s: no password in line '%s'", path, line);
    *comma = 0;
    char* pass = comma + 1;
    char* end = strchr(pass, ',');
    if (end) *end = 0;
    if (n_users == cap) {
      cap = cap ? cap * 2 : 1024;
      users = xrealloc(users, cap * sizeof *users);
    }
    users[n_users].name = strdup(line);
    users[n_users].password = strdup(pass);
    n_users++;
  }
  fclose(f);
  if (!n_users) die("%s has no users", path);
}

/* ---- digest ----------------------------------------------------------------------------- */
static const EVP_MD* digest_md;

static void hash_hex(char* out, const char* fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= (int)sizeof buf) die("digest input too long");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (!EVP_Digest(buf, (size_t)n, md, &md_len, digest_md, NULL)) die("EVP_Digest failed");
  for (unsigned int i = 0; i < md_len; i++) sprintf(out + 2 * i, "%02x", md[i]);
  out[2 * md_len] = 0;
}

/* One Digest challenge, the parameters we use. */
typedef struct {
  char realm[256], nonce[512], opaque[512], algorithm[32];
  int qop_auth; /* the qop list contains "auth" */
} challenge_t;

/* Parses the value of one WWW-Authenticate header ("Digest k=v, k="v", ..."). 0 on success. */
static int parse_challenge(const char* v, size_t len, challenge_t* c) {
  memset(c, 0, sizeof *c);
  strcpy(c->algorithm, "MD5"); /* RFC 7616: absent means MD5 */
  const char* p = v;
  const char* end = v + len;
  while (p < end && isspace((unsigned char)*p)) p++;
  if (end - p < 6 || strncasecmp(p, "Digest", 6) != 0) return -1;
  p += 6;
  while (p < end) {
    while (p < end && (isspace((unsigned char)*p) || *p == ',')) p++;
    const char* k = p;
    while (p < end && *p != '=' && !isspace((unsigned char)*p)) p++;
    size_t klen = (size_t)(p - k);
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p >= end || *p != '=') break;
    p++;
    while (p < end && isspace((unsigned char)*p)) p++;
    const char* val;
    size_t vlen;
    if (p < end && *p == '"') {
      val = ++p;
      while (p < end && *p != '"') p++;
      vlen = (size_t)(p - val);
      if (p < end) p++;
    } else {
      val = p;
      while (p < end && *p != ',' && !isspace((unsigned char)*p)) p++;
      vlen = (size_t)(p - val);
    }
    char* dst = NULL;
    size_t cap = 0;
    if (klen == 5 && !strncasecmp(k, "realm", 5))
      dst = c->realm, cap = sizeof c->realm;
    else if (klen == 5 && !strncasecmp(k, "nonce", 5))
      dst = c->nonce, cap = sizeof c->nonce;
    else if (klen == 6 && !strncasecmp(k, "opaque", 6))
      dst = c->opaque, cap = sizeof c->opaque;
    else if (klen == 9 && !strncasecmp(k, "algorithm", 9))
      dst = c->algorithm, cap = sizeof c->algorithm;
    else if (klen == 3 && !strncasecmp(k, "qop", 3)) {
      /* a list like "auth,auth-int": look for the token auth */
      const char* q = val;
      while (q < val + vlen) {
        while (q < val + vlen && (*q == ',' || isspace((unsigned char)*q))) q++;
        const char* t = q;
        while (q < val + vlen && *q != ',' && !isspace((unsigned char)*q)) q++;
        if (q - t == 4 && !strncasecmp(t, "auth", 4)) c->qop_auth = 1;
      }
    }
    if (dst) {
      if (vlen >= cap) return -1;
      memcpy(dst, val, vlen);
      dst[vlen] = 0;
    }
  }
  return c->nonce[0] ? 0 : -1;
}

/* ---- connections ------------------------------------------------------------------------ */
typedef struct {
  int fd;
  SSL* ssl;
  int local_port;
  char *out, *in;
  size_t out_len, out_off, out_cap, in_len, in_cap;
  int epoll_out; /* EPOLLOUT currently requested */
  int alive;
} conn_t;

static conn_t* conns;
static int epfd;
static SSL_CTX* ssl_ctx;
static char tls_protocol[64] = "-", tls_cipher[128] = "-";
static long reconnects;
static struct sockaddr_in server;

static void conn_open(int i) {
  conn_t* c = &conns[i];
  if (inet_pton(AF_INET, opt_host, &server.sin_addr) != 1) die("bad host %s", opt_host);
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)opt_port);
  if (opt_transport == T_UDP) {
    /* Not connected: a server may answer from another socket bound to the same port. Big
       buffers so that a burst is not dropped by this side (SIPp needs the same). */
    c->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (c->fd < 0) die("socket: %s", strerror(errno));
    int size = 4 << 20;
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
      setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
      setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr = server.sin_addr};
    if (bind(c->fd, (struct sockaddr*)&any, sizeof any) < 0) die("bind: %s", strerror(errno));
  } else {
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr*)&server, sizeof server) < 0)
      die("connect %s:%d: %s", opt_host, opt_port, strerror(errno));
  }
  struct sockaddr_in local;
  socklen_t sl = sizeof local;
  getsockname(c->fd, (struct sockaddr*)&local, &sl);
  c->local_port = ntohs(local.sin_port);
  if (opt_transport == T_TLS) {
    /* The handshake is done blocking, before the measured load starts. */
    c->ssl = SSL_new(ssl_ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, opt_domain);
    if (SSL_connect(c->ssl) != 1) {
      ERR_print_errors_fp(stderr);
      die("TLS handshake with %s:%d failed", opt_host, opt_port);
    }
    snprintf(tls_protocol, sizeof tls_protocol, "%s", SSL_get_version(c->ssl));
    snprintf(tls_cipher, sizeof tls_cipher, "%s", SSL_get_cipher_name(c->ssl));
    SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
  c->alive = 1;
  c->out_len = c->out_off = c->in_len = 0;
  c->epoll_out = 0;
}

static void conn_close(int i) {
  conn_t* c = &conns[i];
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = NULL;
  close(c->fd);
  c->alive = 0;
}

static void conn_append(conn_t* c, const char* data, size_t len) {
  if (c->out_off && c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + len > c->out_cap) {
    c->out_cap = (c->out_len + len) * 2;
    c->out = xrealloc(c->out, c->out_cap);
  }
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
}

/* Writes what is pending; returns -1 when the connection failed. */
static int conn_flush(int i) {
  conn_t* c = &conns[i];
  while (c->out_off < c->out_len) {
    size_t left = c->out_len - c->out_off;
    ssize_t n;
    if (c->ssl) {
      int r = SSL_write(c->ssl, c->out + c->out_off, left > 65536 ? 65536 : (int)left);
      if (r <= 0) {
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) break;
        return -1;
      }
      n = r;
    } else {
      n = send(c->fd, c->out + c->out_off, left, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return -1;
      }
    }
    c->out_off += (size_t)n;
  }
  int want = c->out_off < c->out_len;
  if (want != c->epoll_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = (uint32_t)i};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->epoll_out = want;
  }
  if (!want) c->out_off = c->out_len = 0;
  return 0;
}

/* ---- registrations ---------------------------------------------------------------------- */
enum { FREE = 0, WAIT_401 = 1, WAIT_200 = 2 };
typedef struct {
  uint64_t serial; /* registration number */
  uint64_t t_start;
  int state;
  int conn;
  /* UDP only: the request in flight, for retransmission */
  char* dgram;
  size_t dgram_len;
  uint64_t next_retx; /* when to send it again */
  uint64_t retx_interval;
} reg_t;

static reg_t* regs;
static uint64_t reg_mask;
static uint32_t* latencies_us;
static long n_ok, n_fail_timeout, n_fail_status, n_fail_closed, n_fail_challenge, n_inflight;
static long status_counts[700];
static long n_retransmissions, n_send_drops;
static unsigned run_id;

static void reg_finish(reg_t* r, int ok) {
  if (ok) latencies_us[n_ok++] = (uint32_t)((now_ns() - r->t_start) / 1000);
  free(r->dgram);
  r->dgram = NULL;
  r->state = FREE;
  n_inflight--;
}

/* UDP: a datagram the kernel refuses (buffer full) is lost like one lost on the way; the
   retransmission timer covers both. */
static void udp_send(conn_t* c, const char* data, size_t len) {
  if (sendto(c->fd, data, len, 0, (struct sockaddr*)&server, sizeof server) < 0) n_send_drops++;
}

/* UDP: sends again what is past its timer E (500 ms, doubling, at most T2 = 4 s). Walks the
   registrations in flight, oldest first. */
static void udp_retransmit(uint64_t tail, uint64_t started, uint64_t now) {
  for (uint64_t s = tail; s < started; s++) {
    reg_t* r = &regs[s & reg_mask];
    if (r->state == FREE || r->serial != s || !r->dgram || now < r->next_retx) continue;
    udp_send(&conns[r->conn], r->dgram, r->dgram_len);
    n_retransmissions++;
    if (r->retx_interval < 4000000000ull) r->retx_interval *= 2;
    r->next_retx = now + r->retx_interval;
  }
}

/* Builds one REGISTER and sends it (UDP) or queues it on the connection. auth may be NULL. The
   Contact is the user's own and the same in every run, as a phone's is; with the socket's port
   in it each run would leave a new binding behind per user, up to the registrar's limit. */
static void send_register(reg_t* r, int cseq, const char* auth) {
  conn_t* c = &conns[r->conn];
  const user_t* u = &users[r->serial % n_users];
  static const char* const names[] = {"TLS", "TCP", "UDP"};
  static const char* const params[] = {"tls", "tcp", "udp"};
  const char* tp = names[opt_transport];
  const char* tpl = params[opt_transport];
  char msg[4096];
  int n = snprintf(msg, sizeof msg,
                   "REGISTER sip:%s SIP/2.0\r\n"
                   "Via: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK%x.%llu.%d;rport\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:%s@%s>;tag=%x.%llu\r\n"
                   "To: <sip:%s@%s>\r\n"
                   "Call-ID: lb%llu.%x@bench\r\n"
                   "CSeq: %d REGISTER\r\n"
                   "Contact: <sip:%s@127.0.0.1:5060;transport=%s>\r\n"
                   "Expires: %d\r\n"
                   "%s"
                   "User-Agent: lockline-sip-load\r\n"
                   "Content-Length: 0\r\n\r\n",
                   opt_domain, tp, c->local_port, run_id, (unsigned long long)r->serial, cseq,
                   u->name, opt_domain, run_id, (unsigned long long)r->serial, u->name, opt_domain,
                   (unsigned long long)r->serial, run_id, cseq, u->name, tpl,
                   opt_expires, auth ? auth : "");
  if (n < 0 || n >= (int)sizeof msg) die("message too long");
  if (opt_transport != T_UDP) {
    conn_append(c, msg, (size_t)n);
    return;
  }
  free(r->dgram);
  r->dgram = malloc((size_t)n);
  if (!r->dgram) die("out of memory");
  memcpy(r->dgram, msg, (size_t)n);
  r->dgram_len = (size_t)n;
  r->retx_interval = 500000000ull; /* T1 */
  r->next_retx = now_ns() + r->retx_interval;
  udp_send(c, r->dgram, r->dgram_len);
}

/* Answers a 401: picks the challenge with our algorithm and sends the authorized REGISTER. */
static void answer_challenge(reg_t* r, const char* msg, size_t len) {
  challenge_t ch, chosen;
  int found = 0;
  const char* p = msg;
  const char* end = msg + len;
  /* header lines after the status line; a header may appear more than once */
  p = memchr(p, '\n', (size_t)(end - p));
  while (p && ++p < end && !(*p == '\r' || *p == '\n')) {
    const char* eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) break;
    const char* colon = memchr(p, ':', (size_t)(eol - p));
    if (colon && colon - p == 16 && !strncasecmp(p, "WWW-Authenticate", 16)) {
      size_t vlen = (size_t)(eol - colon - 1);
      if (vlen && colon[vlen] == '\r') vlen--;
      if (!parse_challenge(colon + 1, vlen, &ch) && !strcasecmp(ch.algorithm, opt_algorithm) &&
          !found) {
        chosen = ch;
        found = 1;
      }
    }
    p = eol;
  }
  if (!found) {
    n_fail_challenge++;
    reg_finish(r, 0);
    return;
  }
  const user_t* u = &users[r->serial % n_users];
  char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[2 * EVP_MAX_MD_SIZE + 1], resp[2 * EVP_MAX_MD_SIZE + 1];
  char uri[300], cnonce[17], auth[2048];
  snprintf(uri, sizeof uri, "sip:%s", opt_domain);
  snprintf(cnonce, sizeof cnonce, "%08x%08x", (unsigned)rand(), (unsigned)r->serial);
  hash_hex(ha1, "%s:%s:%s", u->name, chosen.realm, u->password);
  hash_hex(ha2, "REGISTER:%s", uri);
  int n;
  if (chosen.qop_auth) {
    hash_hex(resp, "%s:%s:00000001:%s:auth:%s", ha1, chosen.nonce, cnonce, ha2);
    n = snprintf(auth, sizeof auth,
                 "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
                 "response=\"%s\", algorithm=%s, cnonce=\"%s\", qop=auth, nc=00000001",
                 u->name, chosen.realm, chosen.nonce, uri, resp, chosen.algorithm, cnonce);
  } else {
    hash_hex(resp, "%s:%s:%s", ha1, chosen.nonce, ha2);
    n = snprintf(auth, sizeof auth,
                 "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
                 "response=\"%s\", algorithm=%s",
                 u->name, chosen.realm, chosen.nonce, uri, resp, chosen.algorithm);
  }
  if (chosen.opaque[0])
    n += snprintf(auth + n, sizeof auth - (size_t)n, ", opaque=\"%s\"", chosen.opaque);
  snprintf(auth + n, sizeof auth - (size_t)n, "\r\n");
  r->state = WAIT_200;
  send_register(r, 2, auth);
}

/* Finds a header's value in a message (full or compact name); returns its length or -1. */
static int header_value(const char* msg, size_t len, const char* name, char compact,
                        const char** value) {
  const char* p = memchr(msg, '\n', len);
  const char* end = msg + len;
  size_t nlen = strlen(name);
  while (p && ++p < end && !(*p == '\r' || *p == '\n')) {
    const char* eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    const char* colon = memchr(p, ':', (size_t)(eol - p));
    if (colon) {
      const char* k_end = colon;
      while (k_end > p && isspace((unsigned char)k_end[-1])) k_end--;
      size_t klen = (size_t)(k_end - p);
      if ((klen == nlen && !strncasecmp(p, name, nlen)) ||
          (klen == 1 && tolower((unsigned char)*p) == compact)) {
        const char* v = colon + 1;
        while (v < eol && isspace((unsigned char)*v)) v++;
        const char* ve = eol;
        while (ve > v && isspace((unsigned char)ve[-1])) ve--;
        *value = v;
        return (int)(ve - v);
      }
    }
    p = eol;
  }
  return -1;
}

/* Handles one complete response. */
static void handle_response(const char* msg, size_t len) {
  if (len < 12 || strncmp(msg, "SIP/2.0 ", 8) != 0) return; /* not a response: ignore */
  int code = atoi(msg + 8);
  const char* v;
  int vl = header_value(msg, len, "Call-ID", 'i', &v);
  if (vl < 3 || strncmp(v, "lb", 2) != 0) return;
  uint64_t serial = strtoull(v + 2, NULL, 10);
  reg_t* r = &regs[serial & reg_mask];
  if (r->state == FREE || r->serial != serial) return; /* late answer to a timed-out one */
  vl = header_value(msg, len, "CSeq", 0, &v);
  int cseq = vl > 0 ? atoi(v) : 0;
  if (code < 200) return; /* provisional */
  if (code < 700) status_counts[code]++;
  if (r->state == WAIT_401 && cseq == 1 && code == 401) {
    answer_challenge(r, msg, len);
  } else if (r->state == WAIT_200 && cseq == 2 && code >= 200 && code < 300) {
    reg_finish(r, 1);
  } else if ((r->state == WAIT_401 && cseq == 1) || (r->state == WAIT_200 && cseq == 2)) {
    n_fail_status++;
    reg_finish(r, 0);
  }
}

/* Fails every registration in flight on connection i (it closed). */
static void fail_conn_regs(int i) {
  for (uint64_t s = 0; s <= reg_mask; s++)
    if (regs[s].state != FREE && regs[s].conn == i) {
      n_fail_closed++;
      reg_finish(&regs[s], 0);
    }
}

static void conn_broken(int i) {
  fail_conn_regs(i);
  conn_close(i);
  reconnects++;
  conn_open(i); /* dies when the server is gone */
}

/* Extracts complete messages (headers + Content-Length body) from c's input buffer. */
static void parse_input(conn_t* c) {
  size_t off = 0;
  for (;;) {
    /* skip CRLF keep-alives between messages */
    while (off < c->in_len && (c->in[off] == '\r' || c->in[off] == '\n')) off++;
    char* start = c->in + off;
    size_t avail = c->in_len - off;
    char* hend = memmem(start, avail, "\r\n\r\n", 4);
    if (!hend) break;
    size_t hlen = (size_t)(hend - start) + 4;
    const char* v;
    int vl = header_value(start, hlen, "Content-Length", 'l', &v);
    size_t body = vl > 0 ? (size_t)strtoul(v, NULL, 10) : 0;
    if (avail < hlen + body) break;
    handle_response(start, hlen);
    off += hlen + body;
  }
  if (off) {
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
  }
}

/* Reads what is there; returns -1 when the connection closed or failed. */
static int conn_read(int i) {
  conn_t* c = &conns[i];
  if (opt_transport == T_UDP) {
    char buf[65536];
    for (;;) {
      ssize_t n = recv(c->fd, buf, sizeof buf, 0);
      if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) ? 0 : -1;
      handle_response(buf, (size_t)n); /* one datagram, one message */
    }
  }
  for (;;) {
    if (c->in_cap - c->in_len < 16384) {
      c->in_cap = c->in_cap ? c->in_cap * 2 : 65536;
      c->in = xrealloc(c->in, c->in_cap);
    }
    ssize_t n;
    if (c->ssl) {
      int r = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
      if (r <= 0) {
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
        return -1;
      }
      n = r;
    } else {
      n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
      if (n == 0) return -1;
      if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
    c->in_len += (size_t)n;
    parse_input(c);
  }
}

static int cmp_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

static double percentile_ms(double p) {
  if (!n_ok) return -1;
  size_t i = (size_t)(p * (double)(n_ok - 1) + 0.5);
  return latencies_us[i] / 1000.0;
}

static void usage(void) {
  fprintf(stderr,
          "usage: sip_tls_load --port P --users FILE [--host 127.0.0.1] [--transport tls|tcp|udp]\n"
          "         [--connections K] [--rate R] [--duration S | --count N] [--domain D]\n"
          "         [--algorithm MD5|SHA-256] [--expires S] [--timeout MS]\n");
  exit(2);
}

int main(int argc, char** argv) {
  static const struct option longopts[] = {{"host", 1, 0, 'h'},      {"port", 1, 0, 'p'},
                                           {"transport", 1, 0, 't'}, {"connections", 1, 0, 'k'},
                                           {"rate", 1, 0, 'r'},      {"duration", 1, 0, 'd'},
                                           {"count", 1, 0, 'n'},     {"domain", 1, 0, 'D'},
                                           {"users", 1, 0, 'u'},     {"algorithm", 1, 0, 'a'},
                                           {"expires", 1, 0, 'e'},   {"timeout", 1, 0, 'T'},
                                           {"help", 0, 0, '?'},      {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (ch) {
      case 'h':
        opt_host = optarg;
        break;
      case 'p':
        opt_port = atoi(optarg);
        break;
      case 't':
        if (!strcmp(optarg, "tls"))
          opt_transport = T_TLS;
        else if (!strcmp(optarg, "tcp"))
          opt_transport = T_TCP;
        else if (!strcmp(optarg, "udp"))
          opt_transport = T_UDP;
        else
          usage();
        break;
      case 'k':
        opt_connections = atoi(optarg);
        break;
      case 'r':
        opt_rate = atof(optarg);
        break;
      case 'd':
        opt_duration = atof(optarg);
        break;
      case 'n':
        opt_count = atol(optarg);
        break;
      case 'D':
        opt_domain = optarg;
        break;
      case 'u':
        opt_users = optarg;
        break;
      case 'a':
        opt_algorithm = optarg;
        break;
      case 'e':
        opt_expires = atoi(optarg);
        break;
      case 'T':
        opt_timeout_ms = atoi(optarg);
        break;
      default:
        usage();
    }
  }
  if (!opt_port || !opt_users || opt_connections < 1 || opt_rate <= 0) usage();
  if (!strcasecmp(opt_algorithm, "MD5"))
    digest_md = EVP_md5(), opt_algorithm = "MD5";
  else if (!strcasecmp(opt_algorithm, "SHA-256"))
    digest_md = EVP_sha256(), opt_algorithm = "SHA-256";
  else
    die("--algorithm must be MD5 or SHA-256");
  signal(SIGPIPE, SIG_IGN);
  load_users(opt_users);
  srand((unsigned)getpid() ^ (unsigned)now_ns());
  run_id = (unsigned)rand();

  long total = opt_count >= 0 ? opt_count : (long)(opt_rate * opt_duration + 0.5);
  /* Slots for registrations in flight: a registration older than the timeout is failed, so the
     table only needs rate * timeout entries; twice that plus slack, rounded to a power of two. */
  uint64_t slots = 1024;
  while (slots < (uint64_t)(opt_rate * opt_timeout_ms / 1000.0 * 2) + 1024) slots <<= 1;
  reg_mask = slots - 1;
  regs = calloc(slots, sizeof *regs);
  latencies_us = malloc((size_t)(total > 0 ? total : 1) * sizeof *latencies_us);
  if (!regs || !latencies_us) die("out of memory");

  epfd = epoll_create1(0);
  if (opt_transport == T_TLS) {
    ssl_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL); /* both servers use self-signed certs */
    SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
  }
  conns = calloc((size_t)opt_connections, sizeof *conns);
  for (int i = 0; i < opt_connections; i++) conn_open(i);

  const uint64_t timeout_ns = (uint64_t)opt_timeout_ms * 1000000ull;
  const uint64_t t0 = now_ns();
  uint64_t started = 0, tail = 0, last_start = t0, last_retx_scan = t0;
  int next_conn = 0;
  struct epoll_event events[64];
  for (;;) {
    uint64_t now = now_ns();
    /* start what the offered rate says is due by now */
    uint64_t due = (uint64_t)((double)(now - t0) * opt_rate / 1e9) + 1;
    if (due > (uint64_t)total) due = (uint64_t)total;
    while (started < due) {
      reg_t* r = &regs[started & reg_mask];
      if (r->state != FREE) { /* table wrapped: only if timeouts lag far behind */
        n_fail_timeout++;
        reg_finish(r, 0);
      }
      r->serial = started;
      r->t_start = now;
      r->state = WAIT_401;
      int tries = 0;
      while (!conns[next_conn].alive && tries++ < opt_connections)
        next_conn = (next_conn + 1) % opt_connections;
      r->conn = next_conn;
      next_conn = (next_conn + 1) % opt_connections;
      n_inflight++;
      send_register(r, 1, NULL);
      started++;
      last_start = now;
    }
    for (int i = 0; i < opt_connections; i++)
      if (conns[i].alive && conns[i].out_len > conns[i].out_off && conn_flush(i) < 0)
        conn_broken(i);
    /* fail the oldest registrations that are past the timeout */
    while (tail < started) {
      reg_t* r = &regs[tail & reg_mask];
      if (r->state != FREE && r->serial == tail) {
        if (now - r->t_start < timeout_ns) break;
        n_fail_timeout++;
        reg_finish(r, 0);
      }
      tail++;
    }
    if (opt_transport == T_UDP && now - last_retx_scan > 10000000ull) {
      udp_retransmit(tail, started, now);
      last_retx_scan = now;
    }
    if (started == (uint64_t)total && n_inflight == 0) break;
    if (started == (uint64_t)total && now - last_start > timeout_ns + 1000000000ull) break;

    int wait_ms = opt_transport == T_UDP ? 10 : 100;
    if (started < (uint64_t)total) {
      double next_ns = (double)started * 1e9 / opt_rate; /* when registration #started is due */
      double dt = next_ns - (double)(now - t0);
      /* Sleep at least 1 ms (epoll's resolution) rather than spin: at rates above 1000/s the
         registrations due meanwhile then start together, a few per millisecond. A spinning
         client would take a whole core from the servers under test. */
      wait_ms = dt <= 0 ? 0 : (int)(dt / 1e6) + 1;
    }
    int n = epoll_wait(epfd, events, 64, wait_ms);
    for (int e = 0; e < n; e++) {
      int i = (int)events[e].data.u32;
      if (!conns[i].alive) continue;
      if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        if (conn_read(i) < 0) {
          conn_broken(i);
          continue;
        }
      }
      if ((events[e].events & EPOLLOUT) && conn_flush(i) < 0) conn_broken(i);
    }
  }
  double elapsed = (double)(now_ns() - t0) / 1e9;
  qsort(latencies_us, (size_t)n_ok, sizeof *latencies_us, cmp_u32);

  printf("transport=%s\n", opt_transport == T_TLS ? "tls" : opt_transport == T_TCP ? "tcp" : "udp");
  printf("connections=%d\n", opt_connections);
  printf("algorithm=%s\n", opt_algorithm);
  printf("offered_rate=%.0f\n", opt_rate);
  printf("started=%llu\n", (unsigned long long)started);
  printf("ok=%ld\n", n_ok);
  printf("failed=%ld\n", n_fail_timeout + n_fail_status + n_fail_closed + n_fail_challenge);
  printf("failed_timeout=%ld\n", n_fail_timeout);
  printf("failed_status=%ld\n", n_fail_status);
  printf("failed_closed=%ld\n", n_fail_closed);
  printf("failed_no_challenge=%ld\n", n_fail_challenge);
  printf("reconnects=%ld\n", reconnects);
  printf("retransmissions=%ld\n", n_retransmissions);
  printf("send_drops=%ld\n", n_send_drops);
  printf("elapsed_s=%.3f\n", elapsed);
  printf("p50_ms=%.3f\n", percentile_ms(0.50));
  printf("p90_ms=%.3f\n", percentile_ms(0.90));
  printf("p99_ms=%.3f\n", percentile_ms(0.99));
  printf("max_ms=%.3f\n", n_ok ? latencies_us[n_ok - 1] / 1000.0 : -1.0);
  printf("tls_protocol=%s\n", tls_protocol);
  printf("tls_cipher=%s\n", tls_cipher);
  printf("status_counts=");
  int first = 1;
  for (int code = 100; code < 700; code++)
    if (status_counts[code]) {
      printf("%s%d:%ld", first ? "" : ",", code, status_counts[code]);
      first = 0;
    }
  printf("%s\n", first ? "-" : "");
  return 0;
}
