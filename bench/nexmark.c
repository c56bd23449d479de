/* nexmark.c - a deterministic Nexmark event generator: ids, prices, channels, times and padding as Nexmark derives them.
 *
 * Every event draws its random numbers from a splitmix64 sequence seeded by
 * (seed, event number), so events can be made in any order and the same seed
 * always gives the same events.  See nexmark.h for the model.
 */
#include "bench/nexmark.h"

#include "base/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_PERSON_ID 1000
#define FIRST_AUCTION_ID 1000
#define FIRST_CATEGORY_ID 10
#define NUM_CATEGORIES 5
#define PERSON_ID_LEAD 10    /* bids and auctions may name people a little ahead of the last one */
#define AUCTION_ID_LEAD 10
#define HOT_AUCTION_ROUND 100 /* hot ids are the latest id rounded down to a multiple of this */
#define HOT_SELLER_ROUND 100
#define HOT_BIDDER_ROUND 100
#define HOT_CHANNELS_RATIO 2
#define NUM_CHANNELS 10000
#define NUM_HOT_CHANNELS 4
#define TEXT_BYTES (1 << 16)  /* random letters that padding and names are sliced from */
#define TEXT_SLACK 1024       /* longest slice */
#define URL_MAX 112

static const char *const hot_channels[NUM_HOT_CHANNELS] = {"Google", "Facebook", "Baidu", "Apple"};
static const char *const first_names[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                          "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
static const char *const last_names[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                         "Walton", "Smith",  "Jones",   "Noris"};
static const char *const us_states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const us_cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                        "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct eddy_nexmark {
    eddy_nexmark_config cfg;
    int64_t cursor;
    /* Channels 0..NUM_CHANNELS-1 are "channel-<k>", then the hot ones; name
     * and URL side by side (one cache line per channel). */
    struct {
        eddy_nexmark_str name, url;
    } channel[NUM_CHANNELS + NUM_HOT_CHANNELS];
    char *pool;                /* the channel and URL strings */
    char *text;                /* TEXT_BYTES + TEXT_SLACK random letters */
    int64_t auction_horizon_ms;/* time for num_in_flight_auctions new auctions to appear */
    uint64_t seed_mix;         /* the seed, mixed */
    double pow_hi[1024];       /* 100 * 10^(6 h / 2^10): prices in cents */
    double pow_mid[1024];      /* 10^(6 m / 2^20) */
    char scratch[96];          /* the current Person's name, email and card number */
};

/* ---- random numbers --------------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint64_t rng_next(rng *r) {
    r->s += UINT64_C(0x9e3779b97f4a7c15);
    return mix64(r->s);
}

/* Uniform in [0, bound), bound >= 1 (Lemire's multiply-shift). */
static inline uint64_t rng_below(rng *r, uint64_t bound) {
    return (uint64_t)(((unsigned __int128)rng_next(r) * bound) >> 64);
}

/* Uniform in [0, bound) from 32 random bits x (bound < 2^32).  A bid takes
 * two such numbers from each 64-bit draw. */
static inline uint32_t below32(uint32_t x, uint64_t bound) { return (uint32_t)(((uint64_t)x * bound) >> 32); }

/* The sequence of event n: independent of every other event's. */
static inline rng event_rng(const eddy_nexmark *g, int64_t n) {
    rng r;
    r.s = mix64((uint64_t)n * UINT64_C(0xd1342543de82ef95) ^ g->seed_mix);
    return r;
}

/* ---- Nexmark's id arithmetic ------------------------------------------------ */

eddy_nexmark_kind eddy_nexmark_kind_of(int64_t n) {
    int64_t off = n % EDDY_NEXMARK_TOTAL_PROPORTION;
    if (off < EDDY_NEXMARK_PERSON_PROPORTION) return EDDY_NEXMARK_PERSON;
    if (off < EDDY_NEXMARK_PERSON_PROPORTION + EDDY_NEXMARK_AUCTION_PROPORTION) return EDDY_NEXMARK_AUCTION;
    return EDDY_NEXMARK_BID;
}

/* 0-based id of the last person created at or before event n. */
static inline int64_t last_person0(int64_t n) {
    int64_t epoch = n / EDDY_NEXMARK_TOTAL_PROPORTION, off = n % EDDY_NEXMARK_TOTAL_PROPORTION;
    if (off >= EDDY_NEXMARK_PERSON_PROPORTION) off = EDDY_NEXMARK_PERSON_PROPORTION - 1;
    return epoch * EDDY_NEXMARK_PERSON_PROPORTION + off;
}

/* 0-based id of the last auction created at or before event n (-1 before the first). */
static inline int64_t last_auction0(int64_t n) {
    int64_t epoch = n / EDDY_NEXMARK_TOTAL_PROPORTION, off = n % EDDY_NEXMARK_TOTAL_PROPORTION;
    if (off < EDDY_NEXMARK_PERSON_PROPORTION) {
        epoch--;
        off = EDDY_NEXMARK_AUCTION_PROPORTION - 1;
    } else if (off >= EDDY_NEXMARK_PERSON_PROPORTION + EDDY_NEXMARK_AUCTION_PROPORTION) {
        off = EDDY_NEXMARK_AUCTION_PROPORTION - 1;
    } else {
        off -= EDDY_NEXMARK_PERSON_PROPORTION;
    }
    return epoch * EDDY_NEXMARK_AUCTION_PROPORTION + off;
}

/* One of the active people (or a few ahead of the last one); x: 32 random bits. */
static inline int64_t next_person0(const eddy_nexmark *g, int64_t n, uint32_t x) {
    int64_t num = last_person0(n) + 1;
    int64_t active = num < g->cfg.num_active_people ? num : g->cfg.num_active_people;
    return num - active + below32(x, (uint64_t)(active + PERSON_ID_LEAD));
}

/* One of the auctions in flight (or a few ahead of the last one); x: 32 random bits. */
static inline int64_t next_auction0(const eddy_nexmark *g, int64_t n, uint32_t x) {
    int64_t max = last_auction0(n);
    int64_t min = max - g->cfg.num_in_flight_auctions;
    if (min < 0) min = 0;
    return min + below32(x, (uint64_t)(max - min + 1 + AUCTION_ID_LEAD));
}

/* n * 1000 / rate in 64 bits: exact up to n ~ 9.2e15 events. */
static inline int64_t event_time(const eddy_nexmark *g, int64_t n) {
    return g->cfg.base_time_ms + n * 1000 / g->cfg.rate;
}

/* Nexmark's price: 10^(6u) dollars in cents, 100 .. 100,000,000, for u
 * uniform in [0, 1) from the 53 high bits of x.  With u = h/2^10 + m/2^20 +
 * l/2^53: 10^(6u) = pow_hi[h] * pow_mid[m] * (1 + 6 ln(10) l/2^53 + ...),
 * two table look-ups and a first-order term (relative error < 1e-10;
 * libm's exp costs as much as the rest of a bid). */
static inline int64_t next_price(const eddy_nexmark *g, uint64_t x) {
    double low = 1.0 + (double)(int64_t)((x >> 11) & ((UINT64_C(1) << 33) - 1)) * (13.815510557964274 * 0x1.0p-53);
    return (int64_t)(g->pow_hi[x >> 54] * g->pow_mid[(x >> 44) & 1023] * low + 0.5);
}

/* A slice of random letters of exactly len (<= TEXT_SLACK) bytes. */
static inline eddy_nexmark_str text_slice(const eddy_nexmark *g, rng *r, uint32_t len) {
    eddy_nexmark_str s;
    s.s = g->text + rng_below(r, TEXT_BYTES);
    s.len = len;
    return s;
}

/* Nexmark's nextString(max): 3 .. max-1 letters. */
static inline eddy_nexmark_str next_string(const eddy_nexmark *g, rng *r, uint32_t max) {
    return text_slice(g, r, 3 + (uint32_t)rng_below(r, max - 3));
}

/* Padding so that the event averages `avg` bytes: about avg - current
 * letters, +-20%; none when the event is already that big.  x, y: random. */
static inline eddy_nexmark_str next_extra(const eddy_nexmark *g, uint32_t x, uint64_t y, int64_t current,
                                          int64_t avg) {
    eddy_nexmark_str s = {"", 0};
    if (current > avg) return s;
    int64_t want = avg - current;
    int64_t delta = (want * 2 + 5) / 10; /* round(want * 0.2) */
    int64_t size = want - delta + (delta ? (int64_t)below32(x, (uint64_t)(2 * delta)) : 0);
    if (size > TEXT_SLACK) size = TEXT_SLACK;
    s.s = g->text + below32((uint32_t)y, TEXT_BYTES);
    s.len = (uint32_t)size;
    return s;
}

/* ---- the three kinds ---------------------------------------------------------- */

static void make_bid(const eddy_nexmark *g, int64_t n, eddy_nexmark_bid *b) {
    rng r = event_rng(g, n);
    /* Five 64-bit draws: each choice uses 32 bits.  Both sides of each
     * hot/cold choice are drawn every time, so the choices compile to
     * selects rather than unpredictable branches. */
    uint64_t d0 = rng_next(&r), d1 = rng_next(&r), d2 = rng_next(&r), d3 = rng_next(&r), d4 = rng_next(&r);
    bool hot_auction = below32((uint32_t)d0, (uint64_t)g->cfg.hot_auction_ratio) > 0;
    int64_t cold_auction = next_auction0(g, n, (uint32_t)(d0 >> 32));
    bool hot_bidder = below32((uint32_t)d1, (uint64_t)g->cfg.hot_bidder_ratio) > 0;
    int64_t cold_bidder = next_person0(g, n, (uint32_t)(d1 >> 32));
    bool hot_channel = below32((uint32_t)d2, HOT_CHANNELS_RATIO) > 0;
    size_t hot_ch = NUM_CHANNELS + below32((uint32_t)(d2 >> 32), NUM_HOT_CHANNELS);
    size_t cold_ch = below32((uint32_t)d3, NUM_CHANNELS);
    size_t ch = hot_channel ? hot_ch : cold_ch;
    b->auction = FIRST_AUCTION_ID + (hot_auction ? last_auction0(n) / HOT_AUCTION_ROUND * HOT_AUCTION_ROUND : cold_auction);
    b->bidder = FIRST_PERSON_ID + (hot_bidder ? last_person0(n) / HOT_BIDDER_ROUND * HOT_BIDDER_ROUND + 1 : cold_bidder);
    b->price = next_price(g, d4);
    b->channel = g->channel[ch].name;
    b->url = g->channel[ch].url;
    b->date_time = event_time(g, n);
    b->extra = next_extra(g, (uint32_t)(d3 >> 32), rng_next(&r), 8 * 4, g->cfg.avg_bid_bytes);
}

static void make_auction(const eddy_nexmark *g, int64_t n, eddy_nexmark_auction *a) {
    rng r = event_rng(g, n);
    int64_t seller;
    a->id = last_auction0(n) + FIRST_AUCTION_ID;
    if (rng_below(&r, (uint64_t)g->cfg.hot_seller_ratio) > 0)
        seller = last_person0(n) / HOT_SELLER_ROUND * HOT_SELLER_ROUND;
    else
        seller = next_person0(g, n, (uint32_t)rng_next(&r));
    a->seller = seller + FIRST_PERSON_ID;
    a->category = FIRST_CATEGORY_ID + (int64_t)rng_below(&r, NUM_CATEGORIES);
    a->initial_bid = next_price(g, rng_next(&r));
    a->reserve = a->initial_bid + next_price(g, rng_next(&r));
    a->date_time = event_time(g, n);
    int64_t horizon = g->auction_horizon_ms * 2;
    a->expires = a->date_time + 1 + (int64_t)rng_below(&r, (uint64_t)(horizon > 1 ? horizon : 1));
    a->item_name = next_string(g, &r, 20);
    a->description = next_string(g, &r, 100);
    a->extra = next_extra(g, (uint32_t)rng_next(&r), rng_next(&r), 8 + a->item_name.len + a->description.len + 8 * 5, g->cfg.avg_auction_bytes);
}

static void make_person(eddy_nexmark *g, int64_t n, eddy_nexmark_person *p) {
    rng r = event_rng(g, n);
    char *o = g->scratch;
    p->id = last_person0(n) + FIRST_PERSON_ID;
    const char *fn = first_names[rng_below(&r, NELEM(first_names))];
    const char *ln = last_names[rng_below(&r, NELEM(last_names))];
    int len = snprintf(o, 40, "%s %s", fn, ln);
    p->name.s = o;
    p->name.len = (uint32_t)len;
    o += len;
    eddy_nexmark_str user = next_string(g, &r, 7), host = next_string(g, &r, 5);
    len = snprintf(o, 24, "%.*s@%.*s.com", (int)user.len, user.s, (int)host.len, host.s);
    p->email.s = o;
    p->email.len = (uint32_t)len;
    o += len;
    uint64_t cc = rng_next(&r);
    len = snprintf(o, 20, "%04u %04u %04u %04u", (unsigned)(cc % 10000), (unsigned)(cc / 10000 % 10000),
                   (unsigned)(cc / 100000000 % 10000), (unsigned)(cc / 1000000000000 % 10000));
    p->credit_card.s = o;
    p->credit_card.len = (uint32_t)len;
    const char *city = us_cities[rng_below(&r, NELEM(us_cities))];
    const char *state = us_states[rng_below(&r, NELEM(us_states))];
    p->city.s = city;
    p->city.len = (uint32_t)strlen(city);
    p->state.s = state;
    p->state.len = (uint32_t)strlen(state);
    p->date_time = event_time(g, n);
    p->extra = next_extra(g, (uint32_t)rng_next(&r), rng_next(&r),
                          8 + p->name.len + p->email.len + p->credit_card.len + p->city.len + p->state.len,
                          g->cfg.avg_person_bytes);
}

/* ---- the generator ------------------------------------------------------------ */

void eddy_nexmark_config_init(eddy_nexmark_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 42;
    cfg->base_time_ms = INT64_C(1700000000000);
    cfg->rate = 10000;
    cfg->num_active_people = 1000;
    cfg->num_in_flight_auctions = 100;
    cfg->avg_person_bytes = 200;
    cfg->avg_auction_bytes = 500;
    cfg->avg_bid_bytes = 100;
    cfg->hot_auction_ratio = 2;
    cfg->hot_seller_ratio = 4;
    cfg->hot_bidder_ratio = 4;
}

/* Letters (and an occasional '_') for a URL path part: 3..5 of them. */
static size_t url_part(rng *r, char *o) {
    size_t len = 3 + rng_below(r, 3);
    for (size_t i = 0; i < len; i++) {
        uint64_t x = rng_below(r, 27);
        o[i] = x == 26 ? '_' : (char)('a' + x);
    }
    return len;
}

/* Channel names and their URLs, made once from the seed. */
static void make_channels(eddy_nexmark *g) {
    rng r;
    r.s = mix64(g->cfg.seed ^ UINT64_C(0x6368616e6e656c73));
    char *o = g->pool;
    for (int k = 0; k < NUM_CHANNELS + NUM_HOT_CHANNELS; k++) {
        bool hot = k >= NUM_CHANNELS;
        int len = hot ? snprintf(o, 32, "%s", hot_channels[k - NUM_CHANNELS]) : snprintf(o, 32, "channel-%d", k);
        g->channel[k].name.s = o;
        g->channel[k].name.len = (uint32_t)len;
        o += len;
        char *u = o;
        o += sprintf(o, "https://www.nexmark.com/");
        o += url_part(&r, o);
        *o++ = '/';
        o += url_part(&r, o);
        *o++ = '/';
        o += url_part(&r, o);
        o += sprintf(o, "/item.htm?query=1");
        if (!hot && rng_below(&r, 10) > 0) {
            /* Nexmark's channel_id: the channel number with its 32 bits reversed, made positive. */
            uint32_t v = (uint32_t)k, rev = 0;
            for (int b = 0; b < 32; b++) rev |= ((v >> b) & 1u) << (31 - b);
            int32_t sv = (int32_t)rev;
            o += sprintf(o, "&channel_id=%lld", sv < 0 ? -(long long)sv : (long long)sv);
        }
        g->channel[k].url.s = u;
        g->channel[k].url.len = (uint32_t)(o - u);
    }
}

int eddy_nexmark_new(const eddy_nexmark_config *cfg, eddy_nexmark **out) {
    eddy_nexmark_config d;
    eddy_nexmark_config_init(&d);
    eddy_nexmark *g = calloc(1, sizeof *g);
    *out = NULL;
    if (!g) return EDDY_NOMEM;
    g->cfg = d;
    if (cfg) {
        g->cfg.seed = cfg->seed;
        if (cfg->base_time_ms > 0) g->cfg.base_time_ms = cfg->base_time_ms;
#define TAKE(f) \
        if (cfg->f > 0) g->cfg.f = cfg->f;
        TAKE(rate) TAKE(num_active_people) TAKE(num_in_flight_auctions) TAKE(avg_person_bytes)
        TAKE(avg_auction_bytes) TAKE(avg_bid_bytes) TAKE(hot_auction_ratio) TAKE(hot_seller_ratio)
        TAKE(hot_bidder_ratio)
#undef TAKE
    }
    g->pool = malloc((size_t)(NUM_CHANNELS + NUM_HOT_CHANNELS) * (32 + URL_MAX));
    g->text = malloc(TEXT_BYTES + TEXT_SLACK);
    if (!g->pool || !g->text) {
        eddy_nexmark_destroy(g);
        return EDDY_NOMEM;
    }
    rng r;
    r.s = mix64(g->cfg.seed ^ UINT64_C(0x74657874));
    for (size_t i = 0; i < TEXT_BYTES + TEXT_SLACK;) {
        /* 13 letters from each 64-bit draw (26^13 < 2^64). */
        uint64_t x = rng_next(&r);
        for (int k = 0; k < 13 && i < TEXT_BYTES + TEXT_SLACK; k++, x /= 26) g->text[i++] = (char)('a' + x % 26);
    }
    make_channels(g);
    g->seed_mix = mix64(g->cfg.seed ^ UINT64_C(0x6e65786d61726b));
    for (int j = 0; j < 1024; j++) {
        g->pow_hi[j] = 100.0 * pow(10.0, 6.0 * j / 1024.0);
        g->pow_mid[j] = pow(10.0, 6.0 * j / (1024.0 * 1024.0));
    }
    /* Nexmark: auctions last up to twice the time until num_in_flight more have started. */
    int64_t events_for_auctions =
        (int64_t)g->cfg.num_in_flight_auctions * EDDY_NEXMARK_TOTAL_PROPORTION / EDDY_NEXMARK_AUCTION_PROPORTION;
    g->auction_horizon_ms = event_time(g, events_for_auctions) - event_time(g, 0);
    *out = g;
    return 0;
}

void eddy_nexmark_destroy(eddy_nexmark *g) {
    if (!g) return;
    free(g->pool);
    free(g->text);
    free(g);
}

void eddy_nexmark_event_at(eddy_nexmark *g, int64_t n, eddy_nexmark_event *ev) {
    ev->number = n;
    ev->kind = eddy_nexmark_kind_of(n);
    switch (ev->kind) {
    case EDDY_NEXMARK_PERSON: make_person(g, n, &ev->u.person); break;
    case EDDY_NEXMARK_AUCTION: make_auction(g, n, &ev->u.auction); break;
    case EDDY_NEXMARK_BID: make_bid(g, n, &ev->u.bid); break;
    }
}

void eddy_nexmark_next(eddy_nexmark *g, eddy_nexmark_event *ev) { eddy_nexmark_event_at(g, g->cursor++, ev); }
int64_t eddy_nexmark_position(const eddy_nexmark *g) { return g->cursor; }
void eddy_nexmark_seek(eddy_nexmark *g, int64_t n) { g->cursor = n < 0 ? 0 : n; }

const char *eddy_nexmark_kind_name(eddy_nexmark_kind kind) {
    switch (kind) {
    case EDDY_NEXMARK_PERSON: return "person";
    case EDDY_NEXMARK_AUCTION: return "auction";
    default: return "bid";
    }
}

/* ---- rows ------------------------------------------------------------------------ */

static inline eddy_value sv(eddy_nexmark_str s) { return eddy_value_str(EDDY_V_STRING, s.s, s.len); }
static inline eddy_value sv_copy(eddy_arena *a, eddy_nexmark_str s) {
    return eddy_value_str_copy(a, EDDY_V_STRING, s.s, s.len);
}

/* The first event of `kind` at or after n. */
static inline int64_t next_of_kind(int64_t n, eddy_nexmark_kind kind) {
    int64_t off = n % EDDY_NEXMARK_TOTAL_PROPORTION, base = n - off;
    int lo, hi; /* offsets of the kind within a group of 50: [lo, hi) */
    switch (kind) {
    case EDDY_NEXMARK_PERSON: lo = 0, hi = EDDY_NEXMARK_PERSON_PROPORTION; break;
    case EDDY_NEXMARK_AUCTION:
        lo = EDDY_NEXMARK_PERSON_PROPORTION, hi = lo + EDDY_NEXMARK_AUCTION_PROPORTION;
        break;
    default: lo = EDDY_NEXMARK_PERSON_PROPORTION + EDDY_NEXMARK_AUCTION_PROPORTION, hi = EDDY_NEXMARK_TOTAL_PROPORTION;
    }
    if (off < lo) return base + lo;
    if (off < hi) return n;
    return base + EDDY_NEXMARK_TOTAL_PROPORTION + lo;
}

int eddy_nexmark_fill(eddy_nexmark *g, eddy_nexmark_kind kind, eddy_batch *b, size_t count) {
    int64_t n = g->cursor;
    for (size_t i = 0; i < count; i++, n++) {
        n = next_of_kind(n, kind);
        eddy_row *row = eddy_batch_append(b);
        if (!row) return EDDY_NOMEM;
        eddy_value *c = row->cols;
        row->offset = n;
        row->partition = 0;
        if (kind == EDDY_NEXMARK_BID) {
            eddy_nexmark_bid x;
            make_bid(g, n, &x);
            c[0] = eddy_value_bigint(x.auction);
            c[1] = eddy_value_bigint(x.bidder);
            c[2] = eddy_value_bigint(x.price);
            c[3] = sv(x.channel);
            c[4] = sv(x.url);
            c[5] = eddy_value_bigint(x.date_time);
            c[6] = sv(x.extra);
            row->ts = x.date_time;
        } else if (kind == EDDY_NEXMARK_AUCTION) {
            eddy_nexmark_auction x;
            make_auction(g, n, &x);
            c[0] = eddy_value_bigint(x.id);
            c[1] = sv(x.item_name);
            c[2] = sv(x.description);
            c[3] = eddy_value_bigint(x.initial_bid);
            c[4] = eddy_value_bigint(x.reserve);
            c[5] = eddy_value_bigint(x.date_time);
            c[6] = eddy_value_bigint(x.expires);
            c[7] = eddy_value_bigint(x.seller);
            c[8] = eddy_value_bigint(x.category);
            c[9] = sv(x.extra);
            row->ts = x.date_time;
        } else {
            eddy_nexmark_person x;
            make_person(g, n, &x);
            c[0] = eddy_value_bigint(x.id);
            c[1] = sv_copy(b->arena, x.name);
            c[2] = sv_copy(b->arena, x.email);
            c[3] = sv_copy(b->arena, x.credit_card);
            c[4] = sv(x.city);
            c[5] = sv(x.state);
            c[6] = eddy_value_bigint(x.date_time);
            c[7] = sv(x.extra);
            row->ts = x.date_time;
        }
    }
    g->cursor = n;
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------- */

/* The generator's strings are letters, digits, spaces and URL punctuation:
 * none needs escaping in JSON, so they are copied as they are.  An event's
 * text is at most a few hundred bytes (padding <= TEXT_SLACK). */
#define JSON_MAX (4 * TEXT_SLACK)

typedef struct jw {
    char *p;
} jw;

static inline void jw_key(jw *w, bool first, const char *name, size_t n) {
    *w->p++ = first ? '{' : ',';
    *w->p++ = '"';
    memcpy(w->p, name, n);
    w->p += n;
    *w->p++ = '"';
    *w->p++ = ':';
}
#define JW_KEY(w, first, lit) jw_key(w, first, lit, sizeof(lit) - 1)

static inline void jw_int(jw *w, int64_t v) {
    char buf[24], *q = buf + sizeof buf;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do *--q = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--q = '-';
    size_t n = (size_t)(buf + sizeof buf - q);
    memcpy(w->p, q, n);
    w->p += n;
}

static inline void jw_str(jw *w, eddy_nexmark_str s) {
    *w->p++ = '"';
    memcpy(w->p, s.s, s.len);
    w->p += s.len;
    *w->p++ = '"';
}

void eddy_nexmark_json(const eddy_nexmark_event *ev, eddy_strbuf *o) {
    char buf[JSON_MAX];
    jw w = {buf};
    switch (ev->kind) {
    case EDDY_NEXMARK_BID: {
        const eddy_nexmark_bid *b = &ev->u.bid;
        JW_KEY(&w, true, "auction"), jw_int(&w, b->auction);
        JW_KEY(&w, false, "bidder"), jw_int(&w, b->bidder);
        JW_KEY(&w, false, "price"), jw_int(&w, b->price);
        JW_KEY(&w, false, "channel"), jw_str(&w, b->channel);
        JW_KEY(&w, false, "url"), jw_str(&w, b->url);
        JW_KEY(&w, false, "dateTime"), jw_int(&w, b->date_time);
        JW_KEY(&w, false, "extra"), jw_str(&w, b->extra);
        break;
    }
    case EDDY_NEXMARK_AUCTION: {
        const eddy_nexmark_auction *a = &ev->u.auction;
        JW_KEY(&w, true, "id"), jw_int(&w, a->id);
        JW_KEY(&w, false, "itemName"), jw_str(&w, a->item_name);
        JW_KEY(&w, false, "description"), jw_str(&w, a->description);
        JW_KEY(&w, false, "initialBid"), jw_int(&w, a->initial_bid);
        JW_KEY(&w, false, "reserve"), jw_int(&w, a->reserve);
        JW_KEY(&w, false, "dateTime"), jw_int(&w, a->date_time);
        JW_KEY(&w, false, "expires"), jw_int(&w, a->expires);
        JW_KEY(&w, false, "seller"), jw_int(&w, a->seller);
        JW_KEY(&w, false, "category"), jw_int(&w, a->category);
        JW_KEY(&w, false, "extra"), jw_str(&w, a->extra);
        break;
    }
    case EDDY_NEXMARK_PERSON: {
        const eddy_nexmark_person *p = &ev->u.person;
        JW_KEY(&w, true, "id"), jw_int(&w, p->id);
        JW_KEY(&w, false, "name"), jw_str(&w, p->name);
        JW_KEY(&w, false, "emailAddress"), jw_str(&w, p->email);
        JW_KEY(&w, false, "creditCard"), jw_str(&w, p->credit_card);
        JW_KEY(&w, false, "city"), jw_str(&w, p->city);
        JW_KEY(&w, false, "state"), jw_str(&w, p->state);
        JW_KEY(&w, false, "dateTime"), jw_int(&w, p->date_time);
        JW_KEY(&w, false, "extra"), jw_str(&w, p->extra);
        break;
    }
    }
    *w.p++ = '}';
    eddy_strbuf_append(o, buf, (size_t)(w.p - buf));
}
