/* provbench-rabbitmq: the RabbitMQ side of simulations/bench/compare.
 *
 * The same records provbench-link carries (an NDJSON file, one record a
 * line), through a RabbitMQ broker the way one would run it between two
 * provinces: AMQP 0-9-1 over TLS with client certificates, a durable queue,
 * persistent messages (one record each), publisher confirms, and a consumer
 * that writes each batch of deliveries to a durable LMDB store (fsync per
 * commit) and only then acknowledges them (basic.ack multiple) — the end
 * state of provnet's receiver: the record is on the receiver's disk.
 *
 * Two connections in one process (publisher and consumer threads), so both
 * timestamps come from one monotonic clock:
 *  1. throughput: every record published as fast as the confirm window
 *     allows; timed from the first publish to the consumer's commit of the
 *     last record;
 *  2. latency: records published one by one at a share of that throughput
 *     for some seconds; each timed from its publish to the consumer's commit.
 * Prints one JSON object with the figures on stdout.
 */
#define _GNU_SOURCE
#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define QUEUE "provnet-bench"

struct options {
  const char* host;
  int port;
  const char *cacert, *cert, *key;
  const char* records_path;
  const char* lmdb_dir;
  int consumer_batch; /* deliveries committed per LMDB transaction, at most */
  int confirm_window; /* published but unconfirmed messages, at most */
  double latency_seconds;
  double latency_load;
};

static struct options opt = {"127.0.0.1", 5671, NULL, NULL, NULL, NULL, NULL, 200, 1000, 4.0, 0.5};

struct records {
  char** line;
  size_t* len;
  size_t count;
  size_t bytes;
};

static struct records recs;

/* Publish and commit times (ns) of every message, by sequence number. */
static int64_t* sent_ns;
static int64_t* committed_ns;
static atomic_size_t committed_count;
static atomic_int stop_consumer;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char* what, const char* detail) {
  fprintf(stderr, "provbench-rabbitmq: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static void check_reply(amqp_rpc_reply_t r, const char* what) {
  if (r.reply_type == AMQP_RESPONSE_NORMAL) return;
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
    die(what, amqp_error_string2(r.library_error));
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
    if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD || r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
      amqp_connection_close_t* m = (amqp_connection_close_t*)r.reply.decoded;
      char text[512];
      snprintf(text, sizeof text, "server closed: %u %.*s", m->reply_code, (int)m->reply_text.len,
               (const char*)m->reply_text.bytes);
      die(what, text);
    }
    die(what, "server exception");
  }
  die(what, "no reply");
}

static amqp_connection_state_t open_connection(void) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_ssl_socket_new(conn);
  if (!socket) die("cannot make a TLS socket", NULL);
  if (amqp_ssl_socket_set_cacert(socket, opt.cacert) != AMQP_STATUS_OK)
    die("cannot read the CA", opt.cacert);
  if (amqp_ssl_socket_set_key(socket, opt.cert, opt.key) != AMQP_STATUS_OK)
    die("cannot read the client certificate or key", opt.cert);
  amqp_ssl_socket_set_verify_peer(socket, 1);
  amqp_ssl_socket_set_verify_hostname(socket, 1);
  int status = amqp_socket_open(socket, opt.host, opt.port);
  if (status != AMQP_STATUS_OK) die("cannot open the TLS connection", amqp_error_string2(status));
  check_reply(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
              "login");
  amqp_channel_open(conn, 1);
  check_reply(amqp_get_rpc_reply(conn), "channel.open");
  return conn;
}

static void close_connection(amqp_connection_state_t conn) {
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
}

static void read_records(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) die("cannot read the records", path);
  size_t cap = 1024;
  recs.line = malloc(cap * sizeof(char*));
  recs.len = malloc(cap * sizeof(size_t));
  char* line = NULL;
  size_t n = 0;
  ssize_t got;
  while ((got = getline(&line, &n, f)) > 0) {
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) --got;
    if (got == 0) continue;
    if (recs.count == cap) {
      cap *= 2;
      recs.line = realloc(recs.line, cap * sizeof(char*));
      recs.len = realloc(recs.len, cap * sizeof(size_t));
    }
    recs.line[recs.count] = strndup(line, (size_t)got);
    recs.len[recs.count] = (size_t)got;
    recs.bytes += (size_t)got;
    recs.count++;
  }
  free(line);
  fclose(f);
  if (recs.count == 0) die("no records in", path);
}

/* --- consumer: deliveries -> LMDB (durable) -> basic.ack ------------------ */

static MDB_env* env;
static MDB_dbi dbi;

static void open_lmdb(void) {
  mkdir(opt.lmdb_dir, 0700);
  if (mdb_env_create(&env) || mdb_env_set_mapsize(env, 4ULL << 30) ||
      mdb_env_open(env, opt.lmdb_dir, 0, 0600))
    die("cannot open the LMDB store", opt.lmdb_dir);
  MDB_txn* txn;
  if (mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi) || mdb_txn_commit(txn))
    die("cannot open the LMDB database", opt.lmdb_dir);
}

static size_t seq_of(const amqp_envelope_t* e) {
  char text[32] = {0};
  const amqp_bytes_t id = e->message.properties.message_id;
  memcpy(text, id.bytes, id.len < sizeof text - 1 ? id.len : sizeof text - 1);
  return (size_t)strtoull(text, NULL, 10);
}

static void* consumer(void* arg) {
  amqp_connection_state_t conn = arg;
  amqp_basic_qos(conn, 1, 0, (uint16_t)(opt.consumer_batch * 2), 0);
  check_reply(amqp_get_rpc_reply(conn), "basic.qos");
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(QUEUE), amqp_empty_bytes, 0, 0, 0,
                     amqp_empty_table);
  check_reply(amqp_get_rpc_reply(conn), "basic.consume");
  size_t* batch = malloc((size_t)opt.consumer_batch * sizeof(size_t));
  while (!atomic_load(&stop_consumer)) {
    MDB_txn* txn = NULL;
    int n = 0;
    uint64_t last_tag = 0;
    for (;;) {
      amqp_envelope_t e;
      amqp_maybe_release_buffers(conn);
      /* Block for the first delivery (briefly, to notice the end), then take
       * whatever else has already arrived, up to a batch. */
      struct timeval wait = {0, n == 0 ? 100000 : 0};
      amqp_rpc_reply_t r = amqp_consume_message(conn, &e, &wait, 0);
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
        break;
      check_reply(r, "consume");
      if (!txn && mdb_txn_begin(env, NULL, 0, &txn)) die("LMDB: cannot begin", NULL);
      size_t seq = seq_of(&e);
      uint64_t key_be = __builtin_bswap64((uint64_t)seq);
      MDB_val k = {sizeof key_be, &key_be}, v = {e.message.body.len, e.message.body.bytes};
      if (mdb_put(txn, dbi, &k, &v, 0)) die("LMDB: cannot put", NULL);
      last_tag = e.delivery_tag;
      batch[n++] = seq;
      amqp_destroy_envelope(&e);
      if (n == opt.consumer_batch) break;
    }
    if (n == 0) continue;
    if (mdb_txn_commit(txn)) die("LMDB: cannot commit", NULL); /* fsync: durable */
    const int64_t t = now_ns();
    for (int i = 0; i < n; ++i) committed_ns[batch[i]] = t;
    if (amqp_basic_ack(conn, 1, last_tag, 1) != AMQP_STATUS_OK) die("basic.ack failed", NULL);
    atomic_fetch_add(&committed_count, (size_t)n);
  }
  free(batch);
  return NULL;
}

/* --- publisher: persistent messages with publisher confirms -------------- */

struct publisher {
  amqp_connection_state_t conn;
  uint64_t published;
  uint64_t confirmed;
};

/* Reads confirms; blocks when `block`. */
static void read_confirms(struct publisher* p, int block) {
  for (;;) {
    amqp_frame_t frame;
    struct timeval zero = {0, 0};
    int status = block ? amqp_simple_wait_frame(p->conn, &frame)
                       : amqp_simple_wait_frame_noblock(p->conn, &frame, &zero);
    if (status == AMQP_STATUS_TIMEOUT) return;
    if (status != AMQP_STATUS_OK) die("reading confirms", amqp_error_string2(status));
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
      amqp_basic_ack_t* ack = frame.payload.method.decoded;
      if (ack->multiple)
        p->confirmed = ack->delivery_tag;
      else
        p->confirmed++;
    } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
      die("the broker refused a message (basic.nack)", NULL);
    } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
               frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      die("the broker closed the publisher's channel", NULL);
    }
    if (block) return;
  }
}

static void publish(struct publisher* p, size_t seq, size_t record) {
  char id[32];
  snprintf(id, sizeof id, "%zu", seq);
  amqp_basic_properties_t props;
  props._flags =
      AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
  props.delivery_mode = 2; /* persistent */
  props.content_type = amqp_cstring_bytes("application/json");
  props.message_id = amqp_cstring_bytes(id);
  amqp_bytes_t body = {recs.len[record], recs.line[record]};
  while (p->published - p->confirmed >= (uint64_t)opt.confirm_window) read_confirms(p, 1);
  sent_ns[seq] = now_ns();
  if (amqp_basic_publish(p->conn, 1, amqp_empty_bytes, amqp_cstring_bytes(QUEUE), 0, 0, &props,
                         body) != AMQP_STATUS_OK)
    die("basic.publish failed", NULL);
  p->published++;
  read_confirms(p, 0);
}

static void wait_committed(size_t total) {
  while (atomic_load(&committed_count) < total) {
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
  }
}

static int cmp_i64(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  static struct option longopts[] = {{"host", 1, 0, 'h'},
                                     {"port", 1, 0, 'p'},
                                     {"cacert", 1, 0, 'a'},
                                     {"cert", 1, 0, 'c'},
                                     {"key", 1, 0, 'k'},
                                     {"records", 1, 0, 'r'},
                                     {"lmdb", 1, 0, 'l'},
                                     {"consumer-batch", 1, 0, 'b'},
                                     {"confirm-window", 1, 0, 'w'},
                                     {"latency-seconds", 1, 0, 's'},
                                     {"latency-load", 1, 0, 'o'},
                                     {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'h':
        opt.host = optarg;
        break;
      case 'p':
        opt.port = atoi(optarg);
        break;
      case 'a':
        opt.cacert = optarg;
        break;
      case 'c':
        opt.cert = optarg;
        break;
      case 'k':
        opt.key = optarg;
        break;
      case 'r':
        opt.records_path = optarg;
        break;
      case 'l':
        opt.lmdb_dir = optarg;
        break;
      case 'b':
        opt.consumer_batch = atoi(optarg);
        break;
      case 'w':
        opt.confirm_window = atoi(optarg);
        break;
      case 's':
        opt.latency_seconds = atof(optarg);
        break;
      case 'o':
        opt.latency_load = atof(optarg);
        break;
      default:
        fprintf(stderr,
                "usage: provbench-rabbitmq --port P --cacert CA --cert CERT --key KEY --records "
                "FILE.ndjson --lmdb DIR [--consumer-batch 200] [--confirm-window 1000] "
                "[--latency-seconds 4] [--latency-load 0.5]\n");
        return 2;
    }
  }
  if (!opt.cacert || !opt.cert || !opt.key || !opt.records_path || !opt.lmdb_dir)
    die("--cacert, --cert, --key, --records and --lmdb are required", NULL);
  if (opt.consumer_batch < 1 || opt.consumer_batch > 30000 || opt.confirm_window < 1)
    die("--consumer-batch must be 1..30000 and --confirm-window at least 1", NULL);
  read_records(opt.records_path);
  open_lmdb();

  /* Latency phase: at most as many messages as the throughput phase's. */
  const size_t capacity = recs.count * 3;
  sent_ns = calloc(capacity, sizeof(int64_t));
  committed_ns = calloc(capacity, sizeof(int64_t));

  struct publisher p = {open_connection(), 0, 0};
  amqp_queue_declare(p.conn, 1, amqp_cstring_bytes(QUEUE), 0, 1 /* durable */, 0, 0,
                     amqp_empty_table);
  check_reply(amqp_get_rpc_reply(p.conn), "queue.declare (durable)");
  amqp_queue_purge(p.conn, 1, amqp_cstring_bytes(QUEUE));
  check_reply(amqp_get_rpc_reply(p.conn), "queue.purge");
  amqp_confirm_select(p.conn, 1);
  check_reply(amqp_get_rpc_reply(p.conn), "confirm.select");

  amqp_connection_state_t cconn = open_connection();
  pthread_t consumer_thread;
  pthread_create(&consumer_thread, NULL, consumer, cconn);

  /* 1. throughput */
  const int64_t t0 = now_ns();
  for (size_t i = 0; i < recs.count; ++i) publish(&p, i, i);
  while (p.confirmed < p.published) read_confirms(&p, 1);
  const int64_t confirmed_at = now_ns();
  wait_committed(recs.count);
  int64_t last_commit = 0;
  for (size_t i = 0; i < recs.count; ++i)
    if (committed_ns[i] > last_commit) last_commit = committed_ns[i];
  const double seconds = (double)(last_commit - t0) / 1e9;
  const double throughput = (double)recs.count / seconds;
  fprintf(stderr, "provbench-rabbitmq: %zu records in %.2f s = %.0f records/s committed\n",
          recs.count, seconds, throughput);

  /* 2. latency at a share of that throughput, one record per interval */
  const double rate = throughput * opt.latency_load;
  size_t n = (size_t)(rate * opt.latency_seconds);
  if (n < 100) n = 100;
  if (n > capacity - recs.count) n = capacity - recs.count;
  const int64_t interval = (int64_t)(1e9 / rate);
  const int64_t start = now_ns();
  size_t late = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t due = start + (int64_t)i * interval;
    int64_t now = now_ns();
    if (now > due + interval) late++;
    if (now < due) {
      struct timespec ts = {(time_t)(due / 1000000000LL), (long)(due % 1000000000LL)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    publish(&p, recs.count + i, i % recs.count);
  }
  while (p.confirmed < p.published) read_confirms(&p, 1);
  wait_committed(recs.count + n);
  int64_t* lat = malloc(n * sizeof(int64_t));
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    lat[i] = committed_ns[recs.count + i] - sent_ns[recs.count + i];
    sum += (double)lat[i];
  }
  qsort(lat, n, sizeof(int64_t), cmp_i64);
  const double p50 = (double)lat[n / 2] / 1e6;
  const double p99 = (double)lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6;
  const double max = (double)lat[n - 1] / 1e6;

  atomic_store(&stop_consumer, 1);
  pthread_join(consumer_thread, NULL);
  close_connection(cconn);
  close_connection(p.conn);
  MDB_stat st;
  MDB_txn* txn;
  mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
  mdb_stat(txn, dbi, &st);
  mdb_txn_abort(txn);
  mdb_env_close(env);

  printf(
      "{\"records\": %zu, \"record_bytes\": %.1f, \"seconds\": %.4f, \"records_per_s\": %.1f, "
      "\"confirmed_s\": %.4f, \"latency\": {\"messages\": %zu, \"offered_records_per_s\": %.1f, "
      "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"mean_ms\": %.3f, \"late\": %zu}, "
      "\"stored\": %zu, \"consumer_batch\": %d, \"confirm_window\": %d}\n",
      recs.count, (double)recs.bytes / (double)recs.count, seconds, throughput,
      (double)(confirmed_at - t0) / 1e9, n, rate, p50, p99, max, sum / (double)n / 1e6, late,
      (size_t)st.ms_entries, opt.consumer_batch, opt.confirm_window);
  return 0;
}
