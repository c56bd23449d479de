/* test_nexmark.c - the Nexmark generator: proportions, ids, determinism, rows and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench/nexmark.h"

#include <jansson.h>
#include <string.h>

static eddy_nexmark *make(uint64_t seed, int64_t rate) {
    eddy_nexmark_config c;
    eddy_nexmark *g = NULL;
    eddy_nexmark_config_init(&c);
    c.seed = seed;
    if (rate) c.rate = rate;
    assert_int_equal(eddy_nexmark_new(&c, &g), 0);
    return g;
}

static void test_kinds_come_in_1_3_46_proportions(void **state) {
    (void)state;
    int n[3] = {0, 0, 0};
    for (int64_t i = 0; i < 5000; i++) n[eddy_nexmark_kind_of(i)]++;
    assert_int_equal(n[EDDY_NEXMARK_PERSON], 100);
    assert_int_equal(n[EDDY_NEXMARK_AUCTION], 300);
    assert_int_equal(n[EDDY_NEXMARK_BID], 4600);
    assert_int_equal(eddy_nexmark_kind_of(0), EDDY_NEXMARK_PERSON);
    assert_int_equal(eddy_nexmark_kind_of(3), EDDY_NEXMARK_AUCTION);
    assert_int_equal(eddy_nexmark_kind_of(4), EDDY_NEXMARK_BID);
    assert_int_equal(eddy_nexmark_kind_of(50), EDDY_NEXMARK_PERSON);
}

static void test_same_seed_gives_same_events(void **state) {
    (void)state;
    eddy_nexmark *a = make(7, 0), *b = make(7, 0), *c = make(8, 0);
    eddy_strbuf ja = EDDY_STRBUF_INIT, jb = EDDY_STRBUF_INIT, jc = EDDY_STRBUF_INIT;
    eddy_nexmark_event ev;
    for (int i = 0; i < 500; i++) {
        eddy_nexmark_next(a, &ev);
        eddy_nexmark_json(&ev, &ja);
        eddy_nexmark_next(b, &ev);
        eddy_nexmark_json(&ev, &jb);
        eddy_nexmark_next(c, &ev);
        eddy_nexmark_json(&ev, &jc);
    }
    assert_string_equal(eddy_strbuf_cstr(&ja), eddy_strbuf_cstr(&jb));
    assert_string_not_equal(eddy_strbuf_cstr(&ja), eddy_strbuf_cstr(&jc));
    eddy_strbuf_fini(&ja);
    eddy_strbuf_fini(&jb);
    eddy_strbuf_fini(&jc);
    eddy_nexmark_destroy(a);
    eddy_nexmark_destroy(b);
    eddy_nexmark_destroy(c);
}

static void test_random_access_matches_sequential_events(void **state) {
    (void)state;
    eddy_nexmark *g = make(1, 0);
    eddy_strbuf seq = EDDY_STRBUF_INIT, ra = EDDY_STRBUF_INIT;
    eddy_nexmark_event ev;
    eddy_nexmark_seek(g, 1234);
    eddy_nexmark_next(g, &ev);
    eddy_nexmark_json(&ev, &seq);
    assert_int_equal(eddy_nexmark_position(g), 1235);
    eddy_nexmark_event_at(g, 1234, &ev);
    assert_int_equal(ev.number, 1234);
    eddy_nexmark_json(&ev, &ra);
    assert_string_equal(eddy_strbuf_cstr(&seq), eddy_strbuf_cstr(&ra));
    eddy_strbuf_fini(&seq);
    eddy_strbuf_fini(&ra);
    eddy_nexmark_destroy(g);
}

static void test_person_and_auction_ids_are_dense_from_1000(void **state) {
    (void)state;
    eddy_nexmark *g = make(3, 0);
    eddy_nexmark_event ev;
    int64_t person = 1000, auction = 1000;
    for (int i = 0; i < 5000; i++) {
        eddy_nexmark_next(g, &ev);
        if (ev.kind == EDDY_NEXMARK_PERSON) assert_int_equal(ev.u.person.id, person++);
        if (ev.kind == EDDY_NEXMARK_AUCTION) {
            assert_int_equal(ev.u.auction.id, auction++);
            assert_in_range(ev.u.auction.category, 10, 14);
            assert_in_range(ev.u.auction.seller, 1000, person - 1 + 10);
            assert_true(ev.u.auction.reserve > ev.u.auction.initial_bid);
            assert_true(ev.u.auction.expires > ev.u.auction.date_time);
        }
    }
    eddy_nexmark_destroy(g);
}

static void test_bids_name_existing_auctions_and_people(void **state) {
    (void)state;
    eddy_nexmark *g = make(5, 0);
    eddy_nexmark_event ev;
    int64_t last_person = 999, last_auction = 999, hot = 0;
    for (int i = 0; i < 20000; i++) {
        eddy_nexmark_next(g, &ev);
        if (ev.kind == EDDY_NEXMARK_PERSON) last_person = ev.u.person.id;
        if (ev.kind == EDDY_NEXMARK_AUCTION) last_auction = ev.u.auction.id;
        if (ev.kind != EDDY_NEXMARK_BID) continue;
        const eddy_nexmark_bid *b = &ev.u.bid;
        /* In flight (the last 100) or a few ahead. */
        assert_in_range(b->auction, last_auction - 100 > 1000 ? last_auction - 100 : 1000, last_auction + 10);
        assert_in_range(b->bidder, 1000, last_person + 10);
        assert_in_range(b->price, 100, 100000000);
        assert_true(b->channel.len > 0 && b->url.len > 0);
        assert_memory_equal(b->url.s, "https://www.nexmark.com/", 24);
        if ((b->auction - 1000) % 100 == 0) hot++;
    }
    /* About half the bids go to the hot auction. */
    assert_in_range(hot, 18400 * 4 / 10, 18400 * 7 / 10);
    eddy_nexmark_destroy(g);
}

static void test_date_time_advances_at_the_rate(void **state) {
    (void)state;
    eddy_nexmark *g = make(1, 1000); /* 1000 events/s: event n at base + n ms */
    eddy_nexmark_event ev;
    eddy_nexmark_event_at(g, 0, &ev);
    assert_int_equal(ev.u.person.date_time, INT64_C(1700000000000));
    eddy_nexmark_event_at(g, 4321, &ev);
    assert_int_equal(ev.u.bid.date_time, INT64_C(1700000004321));
    eddy_nexmark_destroy(g);
}

static void test_bid_extra_pads_to_about_100_bytes(void **state) {
    (void)state;
    eddy_nexmark *g = make(9, 0);
    eddy_nexmark_event ev;
    double total = 0;
    int n = 0;
    for (int64_t i = 4; i < 5000; i++) {
        if (eddy_nexmark_kind_of(i) != EDDY_NEXMARK_BID) continue;
        eddy_nexmark_event_at(g, i, &ev);
        assert_in_range(ev.u.bid.extra.len, 54, 82);
        total += ev.u.bid.extra.len;
        n++;
    }
    assert_in_range((int)(total / n), 60, 76);
    eddy_nexmark_destroy(g);
}

static void test_fill_appends_bid_rows_and_skips_other_kinds(void **state) {
    (void)state;
    eddy_nexmark *g = make(11, 0);
    eddy_batch b;
    eddy_nexmark_event ev;
    assert_int_equal(eddy_batch_init(&b, EDDY_NEXMARK_BID_NCOLS), 0);
    assert_int_equal(eddy_nexmark_fill(g, EDDY_NEXMARK_BID, &b, 100), 0);
    assert_int_equal(b.count, 100);
    /* 100 bids span events 4..49, 54..99, 104..111. */
    assert_int_equal(b.rows[0].offset, 4);
    assert_int_equal(b.rows[46].offset, 54);
    assert_int_equal(b.rows[99].offset, 111);
    assert_int_equal(eddy_nexmark_position(g), 112);
    eddy_nexmark_event_at(g, 54, &ev);
    const eddy_value *c = b.rows[46].cols;
    assert_int_equal(c[0].v_kind, EDDY_V_BIGINT);
    assert_int_equal(c[0].u.i, ev.u.bid.auction);
    assert_int_equal(c[1].u.i, ev.u.bid.bidder);
    assert_int_equal(c[2].u.i, ev.u.bid.price);
    assert_int_equal(c[3].v_kind, EDDY_V_STRING);
    assert_memory_equal(c[3].u.s, ev.u.bid.channel.s, c[3].v_len);
    assert_memory_equal(c[4].u.s, ev.u.bid.url.s, c[4].v_len);
    assert_int_equal(c[5].u.i, ev.u.bid.date_time);
    assert_int_equal(c[6].v_len, ev.u.bid.extra.len);
    assert_int_equal(b.rows[46].ts, ev.u.bid.date_time);
    eddy_batch_fini(&b);
    eddy_nexmark_destroy(g);
}

static void test_fill_persons_copies_composed_strings(void **state) {
    (void)state;
    eddy_nexmark *g = make(11, 0);
    eddy_batch b;
    assert_int_equal(eddy_batch_init(&b, EDDY_NEXMARK_PERSON_NCOLS), 0);
    assert_int_equal(eddy_nexmark_fill(g, EDDY_NEXMARK_PERSON, &b, 3), 0);
    assert_int_equal(b.rows[0].cols[0].u.i, 1000);
    assert_int_equal(b.rows[2].cols[0].u.i, 1002);
    assert_int_equal(b.rows[2].offset, 100);
    /* The email of row 0 survives the later persons made in g's scratch space. */
    const eddy_value *email = &b.rows[0].cols[2];
    assert_non_null(memchr(email->u.s, '@', email->v_len));
    assert_memory_equal(email->u.s + email->v_len - 4, ".com", 4);
    eddy_batch_fini(&b);
    eddy_nexmark_destroy(g);
}

static void test_json_has_nexmark_field_names(void **state) {
    (void)state;
    eddy_nexmark *g = make(2, 0);
    eddy_nexmark_event ev;
    const char *fields[3][10] = {
        {"id", "name", "emailAddress", "creditCard", "city", "state", "dateTime", "extra", NULL},
        {"id", "itemName", "description", "initialBid", "reserve", "dateTime", "expires", "seller", "category",
         "extra"},
        {"auction", "bidder", "price", "channel", "url", "dateTime", "extra", NULL},
    };
    for (int64_t n = 0; n < 5; n++) {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        json_error_t je;
        eddy_nexmark_event_at(g, n, &ev);
        eddy_nexmark_json(&ev, &sb);
        json_t *j = json_loads(eddy_strbuf_cstr(&sb), 0, &je);
        assert_non_null(j);
        for (int f = 0; f < 10 && fields[ev.kind][f]; f++) assert_non_null(json_object_get(j, fields[ev.kind][f]));
        if (ev.kind == EDDY_NEXMARK_BID) {
            assert_int_equal(json_integer_value(json_object_get(j, "price")), ev.u.bid.price);
            assert_int_equal(strlen(json_string_value(json_object_get(j, "url"))), ev.u.bid.url.len);
        }
        json_decref(j);
        eddy_strbuf_fini(&sb);
    }
    eddy_nexmark_destroy(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_come_in_1_3_46_proportions),
        cmocka_unit_test(test_same_seed_gives_same_events),
        cmocka_unit_test(test_random_access_matches_sequential_events),
        cmocka_unit_test(test_person_and_auction_ids_are_dense_from_1000),
        cmocka_unit_test(test_bids_name_existing_auctions_and_people),
        cmocka_unit_test(test_date_time_advances_at_the_rate),
        cmocka_unit_test(test_bid_extra_pads_to_about_100_bytes),
        cmocka_unit_test(test_fill_appends_bid_rows_and_skips_other_kinds),
        cmocka_unit_test(test_fill_persons_copies_composed_strings),
        cmocka_unit_test(test_json_has_nexmark_field_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
