/* nexmark.h - a deterministic Nexmark event generator (Person, Auction, Bid) filling eddy rows or JSON text.
 *
 * The Nexmark benchmark models an online auction: people register (Person),
 * put items up for sale (Auction) and bid on them (Bid).  Events are numbered
 * from 0; out of every 50 consecutive events 1 is a Person, 3 are Auctions
 * and 46 are Bids (offsets 0, 1..3 and 4..49 within each group of 50).
 *
 * As in Nexmark, event n is a pure function of (seed, n): its random draws
 * come from a generator seeded with the seed and the event number, so the
 * same seed gives the same events, and any event can be made on its own.
 * Ids and foreign keys follow Nexmark's derivation:
 *   - person ids are 1000 + (number of Person events before), auction ids
 *     1000 + (number of Auction events before), categories 10..14;
 *   - a bid goes, with probability 1/2, to the "hot" auction (the latest
 *     auction id rounded down to a multiple of 100), otherwise to one of the
 *     ~100 auctions in flight (or a few ids ahead); the bidder is, with
 *     probability 3/4, a hot bidder (the latest person rounded down to a
 *     multiple of 100, plus 1), otherwise one of the ~1000 active people;
 *     a seller is likewise hot with probability 3/4;
 *   - prices are round(10^(6u) * 100) cents for u uniform in [0, 1);
 *   - the channel is, with probability 1/2, one of four hot channels
 *     (Google, Facebook, Baidu, Apple), otherwise "channel-<k>" for k below
 *     10,000; each channel has a fixed URL
 *     https://www.nexmark.com/<a>/<b>/<c>/item.htm?query=1[&channel_id=<r>];
 *   - dateTime advances at a configured rate of events per second of event
 *     time: event n is at base_time_ms + n * 1000 / rate (ms);
 *   - auctions expire a random time within twice the time it takes for 100
 *     new auctions to appear;
 *   - `extra` pads each event to its configured average size (Person 200,
 *     Auction 500, Bid 100 bytes) with random letters.
 *
 * Speed: strings that do not depend on the event (channels, URLs, names) are
 * tables made once; random text (extra, item names, descriptions) is a
 * slice of a block of random letters made from the seed at start.  A bid
 * costs a handful of 64-bit random draws and no copying.
 *
 * Streams, as a ksqlDB Nexmark port lays them out: one stream per kind on
 * topics "person", "auction" and "bid", JSON values with the field names
 * below, upper-case column names in SQL (JSON field names are matched
 * case-insensitively by ksqlDB):
 *   bid:     AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR,
 *            URL VARCHAR, DATETIME BIGINT, EXTRA VARCHAR
 *   auction: ID BIGINT, ITEMNAME VARCHAR, DESCRIPTION VARCHAR,
 *            INITIALBID BIGINT, RESERVE BIGINT, DATETIME BIGINT,
 *            EXPIRES BIGINT, SELLER BIGINT, CATEGORY BIGINT, EXTRA VARCHAR
 *   person:  ID BIGINT, NAME VARCHAR, EMAILADDRESS VARCHAR,
 *            CREDITCARD VARCHAR, CITY VARCHAR, STATE VARCHAR,
 *            DATETIME BIGINT, EXTRA VARCHAR
 * Times (dateTime, expires) are milliseconds since the epoch.
 *
 * Thread-safety: a generator belongs to one thread at a time; make one per
 * thread (same config = same events).
 */
#ifndef EDDY_BENCH_NEXMARK_H
#define EDDY_BENCH_NEXMARK_H

#include "base/strbuf.h"
#include "schemas/value.h"

#include <stddef.h>
#include <stdint.h>

typedef enum eddy_nexmark_kind {
    EDDY_NEXMARK_PERSON = 0,
    EDDY_NEXMARK_AUCTION = 1,
    EDDY_NEXMARK_BID = 2,
} eddy_nexmark_kind;

/* Nexmark's proportions: per 50 events, 1 person, 3 auctions, 46 bids. */
#define EDDY_NEXMARK_PERSON_PROPORTION 1
#define EDDY_NEXMARK_AUCTION_PROPORTION 3
#define EDDY_NEXMARK_BID_PROPORTION 46
#define EDDY_NEXMARK_TOTAL_PROPORTION 50

/* Columns of each stream, in order, as SQL (for CREATE STREAM ... (cols)). */
#define EDDY_NEXMARK_BID_COLUMNS                                                                                      \
    "AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR, URL VARCHAR, DATETIME BIGINT, EXTRA VARCHAR"
#define EDDY_NEXMARK_AUCTION_COLUMNS                                                                                  \
    "ID BIGINT, ITEMNAME VARCHAR, DESCRIPTION VARCHAR, INITIALBID BIGINT, RESERVE BIGINT, DATETIME BIGINT, "           \
    "EXPIRES BIGINT, SELLER BIGINT, CATEGORY BIGINT, EXTRA VARCHAR"
#define EDDY_NEXMARK_PERSON_COLUMNS                                                                                   \
    "ID BIGINT, NAME VARCHAR, EMAILADDRESS VARCHAR, CREDITCARD VARCHAR, CITY VARCHAR, STATE VARCHAR, "                 \
    "DATETIME BIGINT, EXTRA VARCHAR"
#define EDDY_NEXMARK_BID_NCOLS 7
#define EDDY_NEXMARK_AUCTION_NCOLS 10
#define EDDY_NEXMARK_PERSON_NCOLS 8

typedef struct eddy_nexmark_config {
    uint64_t seed;              /* same seed, same events */
    int64_t base_time_ms;       /* dateTime of event 0 (default 1700000000000) */
    int64_t rate;               /* events per second of event time (default 10000, Nexmark's first rate) */
    int num_active_people;      /* default 1000 */
    int num_in_flight_auctions; /* default 100 */
    int avg_person_bytes;       /* default 200 */
    int avg_auction_bytes;      /* default 500 */
    int avg_bid_bytes;          /* default 100 */
    int hot_auction_ratio;      /* 1 in this many bids is NOT to the hot auction (default 2) */
    int hot_seller_ratio;       /* default 4 */
    int hot_bidder_ratio;       /* default 4 */
} eddy_nexmark_config;

/* Nexmark's defaults, seed 42. */
void eddy_nexmark_config_init(eddy_nexmark_config *cfg);

/* A string that is not NUL-terminated: it points into the generator (tables,
 * random text) or its scratch space; see each struct for how long it lives. */
typedef struct eddy_nexmark_str {
    const char *s;
    uint32_t len;
} eddy_nexmark_str;

typedef struct eddy_nexmark_person {
    int64_t id;
    eddy_nexmark_str name, email, credit_card, city, state;
    int64_t date_time;
    eddy_nexmark_str extra;
} eddy_nexmark_person;

typedef struct eddy_nexmark_auction {
    int64_t id;
    eddy_nexmark_str item_name, description;
    int64_t initial_bid, reserve, date_time, expires, seller, category;
    eddy_nexmark_str extra;
} eddy_nexmark_auction;

typedef struct eddy_nexmark_bid {
    int64_t auction, bidder, price;
    eddy_nexmark_str channel, url;
    int64_t date_time;
    eddy_nexmark_str extra;
} eddy_nexmark_bid;

typedef struct eddy_nexmark_event {
    int64_t number;             /* the event number */
    eddy_nexmark_kind kind;
    union {
        eddy_nexmark_person person;
        eddy_nexmark_auction auction;
        eddy_nexmark_bid bid;
    } u;
} eddy_nexmark_event;

typedef struct eddy_nexmark eddy_nexmark;

/* A generator positioned at event 0.  cfg NULL means the defaults; values
 * <= 0 in cfg are replaced by the defaults.  Returns 0 or EDDY_NOMEM; *out is
 * owned by the caller (eddy_nexmark_destroy). */
int eddy_nexmark_new(const eddy_nexmark_config *cfg, eddy_nexmark **out);
/* NULL is a no-op.  Strings handed out by g are invalid afterwards. */
void eddy_nexmark_destroy(eddy_nexmark *g);

/* The kind of event n (by its offset in its group of 50). */
eddy_nexmark_kind eddy_nexmark_kind_of(int64_t n);

/* Event number n (random access; does not move the cursor).  Its strings
 * point into g and stay valid until the next call to eddy_nexmark_event_at or
 * eddy_nexmark_next with g (Person names, emails and card numbers live in
 * g's scratch space; the rest lives as long as g). */
void eddy_nexmark_event_at(eddy_nexmark *g, int64_t n, eddy_nexmark_event *ev);
/* The event at the cursor; the cursor moves to the next event. */
void eddy_nexmark_next(eddy_nexmark *g, eddy_nexmark_event *ev);
/* The cursor: the number of the next event eddy_nexmark_next returns. */
int64_t eddy_nexmark_position(const eddy_nexmark *g);
void eddy_nexmark_seek(eddy_nexmark *g, int64_t n);

/* Appends to b (b->ncols must be the kind's column count) the next `count`
 * events of the given kind from the cursor on, skipping events of other kinds
 * (the cursor moves past the last one used).  Row ts is the event's dateTime,
 * offset its event number, partition 0.  Bid and Auction string values point
 * into g (no copy: valid while g lives); Person names, emails and card
 * numbers are copied into b's arena.  Returns 0 or EDDY_NOMEM. */
int eddy_nexmark_fill(eddy_nexmark *g, eddy_nexmark_kind kind, eddy_batch *b, size_t count);

/* Appends the event's JSON object (Nexmark's field names, e.g.
 * {"auction":1000,"bidder":1001,"price":12345,"channel":"Google","url":"...",
 * "dateTime":1700000000000,"extra":"..."}) to out. */
void eddy_nexmark_json(const eddy_nexmark_event *ev, eddy_strbuf *out);
/* The stream / topic name of a kind: "person", "auction", "bid". */
const char *eddy_nexmark_kind_name(eddy_nexmark_kind kind);

#endif
