/*
 * latency-relay: a TCP relay on 127.0.0.1 that delays every byte by a fixed
 * time in each direction, standing in for a WAN link (this kernel has no
 * netem). Used by the benchmark's --rtt and the window tests through
 * testkit/latency-proxy.ts.
 *
 * Why C: the relay shares the machine's two cores with the client and the
 * server under test, and a network costs the hosts nothing per byte. The
 * first relay, in Node, took ~2.4 CPU-s per GiB relayed, which the
 * CPU-bound cases paid for and the window-bound ones did not.
 *
 *   latency-relay TARGET_PORT DELAY_MS
 *
 * Listens on an ephemeral 127.0.0.1 port and prints it on stdout as one
 * line. Each accepted connection gets its own connection to
 * 127.0.0.1:TARGET_PORT; what one side sends is written to the other
 * DELAY_MS later, in order, and an end of stream likewise. A side that
 * fails or resets closes both. At most QUEUE_LIMIT bytes wait in one
 * direction; past that the relay stops reading that side, as a full link
 * would. It exits when its standard input ends (its parent is gone) or on
 * SIGTERM.
 *
 * Build: cc -O2 -Wall -o latency-relay latency-relay.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (1 << 20)
#define QUEUE_LIMIT (64u << 20)
#define MAX_EVENTS 64
#define GONE 0xffffffffu /* a socket taken out of the epoll set */

struct chunk {
    struct chunk *next;
    int64_t due_ns;
    size_t len, off;
    int eof;
    char data[];
};

/* One direction of a connection: read from `from`, written to `to` when due. */
struct flow {
    int from, to;
    struct chunk *head, *tail;
    size_t queued;
    int ended;    /* the end of stream was read */
    int blocked;  /* `to` is full: wait for EPOLLOUT */
    int done;     /* the end of stream was passed on */
};

struct conn;
struct end { struct conn *conn; int idx; };

/* Flow i reads fds[i] and writes fds[1 - i]. */
struct conn {
    struct conn *prev, *next;
    int fds[2];
    struct flow flows[2];
    struct end ends[2];
    uint32_t polled[2]; /* the events each socket is registered for */
    int dead;           /* closed: freed after this round of events */
};

static int ep;
static int64_t delay_ns;
static struct conn *conns;
static char buf[READ_SIZE];
static struct end listener_end, stdin_end;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* Closes both sockets; the memory goes in free_dead(), as events of this round may still name it. */
static void close_conn(struct conn *c) {
    if (c->dead) return;
    c->dead = 1;
    for (int i = 0; i < 2; i++) close(c->fds[i]); /* also leaves the epoll set */
}

static void free_dead(void) {
    for (struct conn *c = conns, *next; c; c = next) {
        next = c->next;
        if (!c->dead) continue;
        for (int i = 0; i < 2; i++) {
            struct chunk *k = c->flows[i].head;
            while (k) { struct chunk *n = k->next; free(k); k = n; }
        }
        if (c->prev) c->prev->next = c->next; else conns = c->next;
        if (c->next) c->next->prev = c->prev;
        free(c);
    }
}

static void push(struct flow *f, const char *data, size_t len, int eof) {
    struct chunk *k = malloc(sizeof *k + len);
    if (!k) die("malloc");
    k->next = NULL;
    k->due_ns = now_ns() + delay_ns;
    k->len = len;
    k->off = 0;
    k->eof = eof;
    if (len) memcpy(k->data, data, len);
    if (f->tail) f->tail->next = k; else f->head = k;
    f->tail = k;
    f->queued += len;
}

/* One read of what `from` has (epoll is level-triggered); -1: close the connection. */
static int flow_read(struct flow *f) {
    ssize_t n = read(f->from, buf, sizeof buf);
    if (n > 0) push(f, buf, (size_t)n, 0);
    else if (n == 0) { push(f, NULL, 0, 1); f->ended = 1; }
    else if (errno != EINTR && errno != EAGAIN) return -1;
    return 0;
}

/* Writes the chunks that are due; -1: close the connection. */
static int flow_write(struct flow *f, int64_t now) {
    while (f->head && f->head->due_ns <= now) {
        struct chunk *k = f->head;
        if (k->eof) {
            shutdown(f->to, SHUT_WR);
            f->done = 1;
        } else {
            while (k->off < k->len) {
                ssize_t n = write(f->to, k->data + k->off, k->len - k->off);
                if (n > 0) { k->off += (size_t)n; f->queued -= (size_t)n; continue; }
                if (n < 0 && errno == EINTR) continue;
                if (n < 0 && errno == EAGAIN) { f->blocked = 1; return 0; }
                return -1;
            }
        }
        f->head = k->next;
        if (!f->head) f->tail = NULL;
        free(k);
    }
    return 0;
}

/* Takes socket `i` out of the epoll set: read to its end and shut both ways,
 * it would report EPOLLHUP for ever. What it sent may still be queued. */
static void unpoll(struct conn *c, int i) {
    if (c->polled[i] == GONE) return;
    if (epoll_ctl(ep, EPOLL_CTL_DEL, c->fds[i], NULL) < 0) die("epoll_ctl");
    c->polled[i] = GONE;
}

/* Registers each socket of `c` for what its flows need now. */
static void poll_conn(struct conn *c) {
    for (int i = 0; i < 2; i++) {
        struct flow *in = &c->flows[i], *out = &c->flows[1 - i];
        if (c->polled[i] == GONE) continue;
        if (in->ended && out->done) { unpoll(c, i); continue; }
        uint32_t want = 0;
        if (!in->ended && in->queued < QUEUE_LIMIT) want |= EPOLLIN;
        if (out->blocked) want |= EPOLLOUT;
        if (want == c->polled[i]) continue;
        struct epoll_event ev = { .events = want, .data.ptr = &c->ends[i] };
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fds[i], &ev) < 0) die("epoll_ctl");
        c->polled[i] = want;
    }
}

/* Writes what is due on both flows of `c`; closes it when finished or failed. */
static void service(struct conn *c, int64_t now) {
    for (int i = 0; i < 2; i++) {
        struct flow *f = &c->flows[i];
        if (!f->blocked && flow_write(f, now) < 0) { close_conn(c); return; }
    }
    if (c->flows[0].done && c->flows[1].done) { close_conn(c); return; }
    poll_conn(c);
}

static void accept_one(int lfd, int target_port) {
    int a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (a < 0) return;
    int u = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(target_port) };
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* A blocking connect: on loopback it is at once, and writes never meet a half-open socket. */
    if (u < 0 || connect(u, (struct sockaddr *)&to, sizeof to) < 0) {
        close(a);
        if (u >= 0) close(u);
        return;
    }
    int one = 1;
    if (fcntl(u, F_SETFL, fcntl(u, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
    struct conn *c = calloc(1, sizeof *c);
    if (!c) die("calloc");
    c->fds[0] = a;
    c->fds[1] = u;
    for (int i = 0; i < 2; i++) {
        setsockopt(c->fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->flows[i].from = c->fds[i];
        c->flows[i].to = c->fds[1 - i];
        c->ends[i] = (struct end){ c, i };
        c->polled[i] = EPOLLIN;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ends[i] };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fds[i], &ev) < 0) die("epoll_ctl");
    }
    c->next = conns;
    if (conns) conns->prev = c;
    conns = c;
}

/* Milliseconds until the first chunk that waits only for its time, or -1. */
static int next_timeout(int64_t now) {
    int64_t first = -1;
    for (struct conn *c = conns; c; c = c->next)
        for (int i = 0; i < 2; i++) {
            struct flow *f = &c->flows[i];
            if (f->head && !f->blocked && (first < 0 || f->head->due_ns < first)) first = f->head->due_ns;
        }
    if (first < 0) return -1;
    if (first <= now) return 0;
    return (int)((first - now + 999999) / 1000000);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: latency-relay TARGET_PORT DELAY_MS\n");
        return 2;
    }
    int target_port = atoi(argv[1]);
    delay_ns = (int64_t)(strtod(argv[2], NULL) * 1e6);
    signal(SIGPIPE, SIG_IGN);
    /* Chunks up to READ_SIZE come and go all the time: reuse the heap for them
     * instead of a fresh mmap (and its page faults) each. */
    mallopt(M_MMAP_THRESHOLD, 4 * READ_SIZE);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 64) < 0) die("listen");
    if (getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) die("getsockname");
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener_end };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl");
    ev.data.ptr = &stdin_end;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) die("epoll_ctl stdin");

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, next_timeout(now_ns()));
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int e = 0; e < n; e++) {
            struct end *end = events[e].data.ptr;
            if (end == &listener_end) { accept_one(lfd, target_port); continue; }
            if (end == &stdin_end) {
                if (read(0, buf, sizeof buf) <= 0) return 0; /* the parent is gone */
                continue;
            }
            struct conn *c = end->conn;
            uint32_t got = events[e].events;
            struct flow *in = &c->flows[end->idx];
            if (c->dead) continue;
            if (got & EPOLLERR) { close_conn(c); continue; } /* a reset */
            if ((got & EPOLLHUP) && in->ended) { unpoll(c, end->idx); continue; }
            if (got & EPOLLOUT) c->flows[1 - end->idx].blocked = 0;
            if ((got & (EPOLLIN | EPOLLHUP)) && !in->ended && flow_read(in) < 0) close_conn(c);
        }
        int64_t now = now_ns();
        for (struct conn *c = conns; c; c = c->next)
            if (!c->dead) service(c, now);
        free_dead();
    }
}
