/* fn_datetime_tz.c - the proleptic Gregorian calendar and java.time.ZoneId zones.
 *
 * Zones are fixed offsets ("Z", "+05:30", "UTC+1", "GMT-08:00"), the fixed
 * regions "UTC", "GMT" and "UT", or region ids ("America/Los_Angeles") whose
 * rules come from the system tz database: this file reads the TZif files of
 * /usr/share/zoneinfo (or $TZDIR) itself, including the POSIX TZ rule in the
 * footer that covers times after the last listed transition.  A zone is
 * loaded once and cached, under a mutex, for the life of the process; the
 * cache only holds zones that loaded, so bad ids cost a failed open each.
 */
#include "engine/fn_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Calendar                                                                 */

int64_t fn_floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days from 1970-01-01, using 400-year eras of 146097 days with years
 * starting in March so that the leap day ends the year. */
int64_t fn_days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void fn_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool fn_is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int fn_month_length(int64_t y, int m) {
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2) return fn_is_leap(y) ? 29 : 28;
    return m >= 1 && m <= 12 ? len[m - 1] : 30;
}

/* ------------------------------------------------------------------------ */
/* Zones                                                                    */

/* A POSIX TZ rule date: Jn (1-365, no leap day), n (0-365) or Mm.w.d. */
typedef struct tz_rule_date {
    char kind; /* 'J', 'N' or 'M' */
    int a, b, c;
    int32_t time; /* seconds after local midnight */
} tz_rule_date;

typedef struct tz_rule {
    bool present;
    bool has_dst;
    int32_t std_off, dst_off; /* seconds east of UTC */
    char std_abbr[16], dst_abbr[16];
    tz_rule_date start, end;
} tz_rule;

struct fn_zone {
    char key[80]; /* the id as asked for (the cache key) */
    char id[80];
    bool is_offset; /* a ZoneOffset (id "Z" or "+hh:mm") */
    bool fixed;
    int32_t fixed_off;
    /* TZif data */
    int ntrans;
    int64_t *trans;
    uint8_t *trans_type;
    int ntypes;
    int32_t *type_off;
    uint8_t *type_abbr;
    char *abbrs;
    int nabbrs;
    tz_rule rule;
    struct fn_zone *next;
};

static pthread_mutex_t g_zone_lock = PTHREAD_MUTEX_INITIALIZER;
static fn_zone *g_zones;
static fn_zone g_utc = {.key = "Z", .id = "Z", .is_offset = true, .fixed = true, .fixed_off = 0};
static fn_zone g_utc_region = {.key = "UTC", .id = "UTC", .is_offset = false, .fixed = true, .fixed_off = 0};

const fn_zone *fn_zone_utc(void) {
    return &g_utc;
}

const char *fn_zone_id(const fn_zone *z) {
    return z->id;
}

bool fn_zone_is_offset(const fn_zone *z) {
    return z->is_offset;
}

static void offset_id(char *buf, size_t n, int32_t off) {
    if (off == 0) {
        snprintf(buf, n, "Z");
        return;
    }
    int32_t a = off < 0 ? -off : off;
    if (a % 60) snprintf(buf, n, "%c%02d:%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
    else snprintf(buf, n, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* ZoneOffset.of: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss. */
static bool parse_offset(const char *s, size_t n, int32_t *out) {
    if (n < 2 || (s[0] != '+' && s[0] != '-')) return false;
    int sign = s[0] == '-' ? -1 : 1;
    const char *p = s + 1;
    size_t m = n - 1;
    int h = 0, mi = 0, se = 0;
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= '0' && p[i] <= '9') && p[i] != ':') return false;
#define D2(x) (((x)[0] - '0') * 10 + ((x)[1] - '0'))
    switch (m) {
    case 1: h = p[0] - '0'; break;
    case 2: h = D2(p); break;
    case 4:
        if (p[2] == ':') return false;
        h = D2(p), mi = D2(p + 2);
        break;
    case 5:
        if (p[2] != ':') return false;
        h = D2(p), mi = D2(p + 3);
        break;
    case 6:
        h = D2(p), mi = D2(p + 2), se = D2(p + 4);
        break;
    case 8:
        if (p[2] != ':' || p[5] != ':') return false;
        h = D2(p), mi = D2(p + 3), se = D2(p + 6);
        break;
    default: return false;
    }
#undef D2
    for (size_t i = 0; i < m; i++)
        if (p[i] == ':' && !(i == 2 || i == 5)) return false;
    if (h > 18 || mi > 59 || se > 59) return false;
    int32_t off = sign * (h * 3600 + mi * 60 + se);
    if (off > 18 * 3600 || off < -18 * 3600) return false;
    *out = off;
    return true;
}

/* ---- POSIX TZ rule strings ("PST8PDT,M3.2.0,M11.1.0") ---- */

static const char *rule_abbr(const char *p, char *out, size_t n) {
    size_t k = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (k + 1 < n) out[k++] = *p;
            p++;
        }
        if (*p != '>') return NULL;
        p++;
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
            if (k + 1 < n) out[k++] = *p;
            p++;
        }
    }
    out[k] = 0;
    return k >= 1 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static const char *rule_time(const char *p, int32_t *out) {
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    if (!(*p >= '0' && *p <= '9')) return NULL;
    int32_t h = 0, m = 0, s = 0;
    while (*p >= '0' && *p <= '9') h = h * 10 + (*p++ - '0');
    if (*p == ':') {
        p++;
        while (*p >= '0' && *p <= '9') m = m * 10 + (*p++ - '0');
        if (*p == ':') {
            p++;
            while (*p >= '0' && *p <= '9') s = s * 10 + (*p++ - '0');
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *rule_date(const char *p, tz_rule_date *d) {
    d->time = 7200;
    if (*p == 'M') {
        d->kind = 'M';
        p++;
        d->a = (int)strtol(p, (char **)&p, 10);
        if (*p++ != '.') return NULL;
        d->b = (int)strtol(p, (char **)&p, 10);
        if (*p++ != '.') return NULL;
        d->c = (int)strtol(p, (char **)&p, 10);
        if (d->a < 1 || d->a > 12 || d->b < 1 || d->b > 5 || d->c < 0 || d->c > 6) return NULL;
    } else if (*p == 'J') {
        d->kind = 'J';
        p++;
        d->a = (int)strtol(p, (char **)&p, 10);
    } else if (*p >= '0' && *p <= '9') {
        d->kind = 'N';
        d->a = (int)strtol(p, (char **)&p, 10);
    } else {
        return NULL;
    }
    if (*p == '/') p = rule_time(p + 1, &d->time);
    return p;
}

static bool parse_rule(const char *s, tz_rule *r) {
    memset(r, 0, sizeof *r);
    int32_t t;
    const char *p = rule_abbr(s, r->std_abbr, sizeof r->std_abbr);
    if (!p || !(p = rule_time(p, &t))) return false;
    r->std_off = -t;
    r->present = true;
    if (!*p) return true;
    if (!(p = rule_abbr(p, r->dst_abbr, sizeof r->dst_abbr))) return false;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = rule_time(p, &t))) return false;
        r->dst_off = -t;
    }
    if (*p != ',') return false; /* no rules: not supported */
    if (!(p = rule_date(p + 1, &r->start)) || *p != ',') return false;
    if (!(p = rule_date(p + 1, &r->end)) || *p) return false;
    r->has_dst = true;
    return true;
}

/* Epoch day of a rule date in year y. */
static int64_t rule_day(const tz_rule_date *d, int64_t y) {
    switch (d->kind) {
    case 'J': { /* 1..365, February 29 never counted */
        int64_t day = fn_days_from_civil(y, 1, 1) + d->a - 1;
        if (fn_is_leap(y) && d->a >= 60) day++;
        return day;
    }
    case 'N': return fn_days_from_civil(y, 1, 1) + d->a;
    default: { /* Mm.w.d: d-th weekday (0 = Sunday) of week w (5 = last) of month m */
        int64_t first = fn_days_from_civil(y, d->a, 1);
        int dow = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4) */
        int64_t day = first + (d->c - dow + 7) % 7 + (int64_t)(d->b - 1) * 7;
        int len = fn_month_length(y, d->a);
        while (day >= first + len) day -= 7;
        return day;
    }
    }
}

static int32_t rule_offset(const tz_rule *r, int64_t t, const char **abbr) {
    if (!r->has_dst) {
        if (abbr) *abbr = r->std_abbr;
        return r->std_off;
    }
    int64_t y;
    int m, d;
    fn_civil_from_days(fn_floor_div(t + r->std_off, 86400), &y, &m, &d);
    int64_t start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    int64_t end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    if (abbr) *abbr = dst ? r->dst_abbr : r->std_abbr;
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif files ---- */

static int64_t be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    if (n == 4) return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

static void zone_free(fn_zone *z) {
    if (!z) return;
    free(z->trans);
    free(z->trans_type);
    free(z->type_off);
    free(z->type_abbr);
    free(z->abbrs);
    free(z);
}

static bool valid_region(const char *id, size_t n) {
    if (n == 0 || n >= 80 || id[0] == '/' || id[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
              c == '-' || c == '+' || c == '~' || c == '.'))
            return false;
        if (c == '.' && i + 1 < n && id[i + 1] == '.') return false;
    }
    return true;
}

static fn_zone *load_tzif(const char *id, size_t n) {
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    char path[512];
    snprintf(path, sizeof path, "%s/%.*s", dir, (int)n, id);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > (1u << 22)) break;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0) break;
        len += r;
    }
    fclose(f);
    fn_zone *z = NULL;
    if (!buf || len < 44 || memcmp(buf, "TZif", 4) != 0) goto fail;
    const unsigned char *p = buf;
    int version = buf[4];
    /* counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
    int64_t c[6];
    for (int i = 0; i < 6; i++) c[i] = be(p + 20 + 4 * i, 4);
    int tsize = 4;
    size_t off = 44;
    if (version >= '2') {
        size_t v1 = (size_t)(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
        off = 44 + v1;
        if (off + 44 > len || memcmp(buf + off, "TZif", 4) != 0) goto fail;
        for (int i = 0; i < 6; i++) c[i] = be(buf + off + 20 + 4 * i, 4);
        off += 44;
        tsize = 8;
    }
    for (int i = 0; i < 6; i++)
        if (c[i] < 0 || c[i] > 100000) goto fail;
    size_t need = (size_t)(c[3] * (tsize + 1) + c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0]);
    if (off + need > len || c[4] < 1) goto fail;
    z = calloc(1, sizeof *z);
    if (!z) goto fail;
    snprintf(z->id, sizeof z->id, "%.*s", (int)n, id);
    z->ntrans = (int)c[3];
    z->ntypes = (int)c[4];
    z->nabbrs = (int)c[5];
    z->trans = calloc((size_t)z->ntrans + 1, sizeof *z->trans);
    z->trans_type = calloc((size_t)z->ntrans + 1, 1);
    z->type_off = calloc((size_t)z->ntypes, sizeof *z->type_off);
    z->type_abbr = calloc((size_t)z->ntypes, 1);
    z->abbrs = calloc((size_t)z->nabbrs + 1, 1);
    if (!z->trans || !z->trans_type || !z->type_off || !z->type_abbr || !z->abbrs) goto fail;
    const unsigned char *q = buf + off;
    for (int i = 0; i < z->ntrans; i++) z->trans[i] = be(q + (size_t)i * tsize, tsize);
    q += (size_t)z->ntrans * tsize;
    for (int i = 0; i < z->ntrans; i++) {
        z->trans_type[i] = q[i];
        if (q[i] >= z->ntypes) goto fail;
    }
    q += z->ntrans;
    for (int i = 0; i < z->ntypes; i++) {
        z->type_off[i] = (int32_t)be(q + 6 * i, 4);
        z->type_abbr[i] = q[6 * i + 5];
        if (z->type_abbr[i] >= z->nabbrs && z->nabbrs > 0) z->type_abbr[i] = 0;
    }
    q += 6 * z->ntypes;
    memcpy(z->abbrs, q, (size_t)z->nabbrs);
    q += z->nabbrs;
    q += c[2] * (tsize + 4) + c[1] + c[0];
    if (tsize == 8 && q < buf + len && *q == '\n') {
        const unsigned char *e = memchr(q + 1, '\n', (size_t)(buf + len - q - 1));
        if (e && e - q - 1 < 128) {
            char footer[128];
            memcpy(footer, q + 1, (size_t)(e - q - 1));
            footer[e - q - 1] = 0;
            if (footer[0] && !parse_rule(footer, &z->rule)) z->rule.present = false;
        }
    }
    free(buf);
    return z;
fail:
    free(buf);
    zone_free(z);
    return NULL;
}

static fn_zone *new_fixed(const char *id, int32_t off, bool is_offset) {
    fn_zone *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    snprintf(z->id, sizeof z->id, "%s", id);
    z->is_offset = is_offset;
    z->fixed = true;
    z->fixed_off = off;
    return z;
}

/* Builds the zone for an id (not cached yet). */
static fn_zone *make_zone(const char *id, size_t n, eddy_err *err) {
    char norm[80];
    int32_t off;
    if (n == 1 && id[0] == 'Z') return new_fixed("Z", 0, true);
    if (n > 0 && (id[0] == '+' || id[0] == '-')) {
        if (!parse_offset(id, n, &off)) {
            eddy_err_set(err, EDDY_INVAL, "Invalid ID for ZoneOffset, invalid format: %.*s", (int)n, id);
            return NULL;
        }
        offset_id(norm, sizeof norm, off);
        return new_fixed(norm, off, true);
    }
    static const char *const prefixes[] = {"UTC", "GMT", "UT"};
    for (int i = 0; i < 3; i++) {
        size_t pl = strlen(prefixes[i]);
        if (n == pl && memcmp(id, prefixes[i], pl) == 0) return new_fixed(prefixes[i], 0, false);
        if (n > pl && memcmp(id, prefixes[i], pl) == 0 && (id[pl] == '+' || id[pl] == '-')) {
            if (!parse_offset(id + pl, n - pl, &off)) {
                eddy_err_set(err, EDDY_INVAL, "Invalid ID for offset-based ZoneId: %.*s", (int)n, id);
                return NULL;
            }
            if (off == 0) return new_fixed(prefixes[i], 0, false);
            char oid[40];
            offset_id(oid, sizeof oid, off);
            snprintf(norm, sizeof norm, "%s%s", prefixes[i], oid);
            return new_fixed(norm, off, false);
        }
    }
    if (!valid_region(id, n)) {
        eddy_err_set(err, EDDY_INVAL, "Invalid ID for region-based ZoneId, invalid format: %.*s", (int)n, id);
        return NULL;
    }
    fn_zone *z = load_tzif(id, n);
    if (!z) eddy_err_set(err, EDDY_INVAL, "Unknown time-zone ID: %.*s", (int)n, id);
    return z;
}

static fn_zone *find_cached(const char *id, size_t n) {
    for (fn_zone *z = g_zones; z; z = z->next)
        if (strlen(z->key) == n && memcmp(z->key, id, n) == 0) return z;
    return NULL;
}

const fn_zone *fn_zone_get(const char *id, size_t n, eddy_err *err) {
    if (n == 1 && id[0] == 'Z') return &g_utc;
    if (n == 3 && memcmp(id, "UTC", 3) == 0) return &g_utc_region; /* the common case, without the lock */
    if (n >= sizeof g_utc.key) {
        eddy_err_set(err, EDDY_INVAL, "Unknown time-zone ID: %.*s", (int)(n > 200 ? 200 : n), id);
        return NULL;
    }
    pthread_mutex_lock(&g_zone_lock);
    fn_zone *z = find_cached(id, n);
    pthread_mutex_unlock(&g_zone_lock);
    if (z) return z;
    z = make_zone(id, n, err);
    if (!z) return NULL;
    memcpy(z->key, id, n);
    z->key[n] = 0;
    pthread_mutex_lock(&g_zone_lock);
    fn_zone *o = find_cached(id, n);
    if (o) {
        pthread_mutex_unlock(&g_zone_lock);
        zone_free(z);
        return o;
    }
    z->next = g_zones;
    g_zones = z;
    pthread_mutex_unlock(&g_zone_lock);
    return z;
}

int32_t fn_zone_offset_at(const fn_zone *z, int64_t t, const char **abbr) {
    if (z->fixed) {
        if (abbr) *abbr = z->id;
        return z->fixed_off;
    }
    int idx;
    if (z->ntrans == 0 || t < z->trans[0]) {
        idx = 0;
        /* RFC 8536: before the first transition, the first non-DST type; type 0 is that in practice */
    } else if (t >= z->trans[z->ntrans - 1] && z->rule.present) {
        return rule_offset(&z->rule, t, abbr);
    } else {
        int lo = 0, hi = z->ntrans - 1;
        while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (z->trans[mid] <= t) lo = mid;
            else hi = mid - 1;
        }
        idx = z->trans_type[lo];
    }
    if (abbr) *abbr = z->abbrs + z->type_abbr[idx];
    return z->type_off[idx];
}

int32_t fn_zone_offset_for_local(const fn_zone *z, int64_t local) {
    if (z->fixed) return z->fixed_off;
    /* The offsets in force a day before and a day after; a zone changes
     * offset at most once within two days. */
    int32_t before = fn_zone_offset_at(z, local - 86400 - 18 * 3600, NULL);
    int32_t after = fn_zone_offset_at(z, local + 86400 + 18 * 3600, NULL);
    bool ok_before = fn_zone_offset_at(z, local - before, NULL) == before;
    bool ok_after = fn_zone_offset_at(z, local - after, NULL) == after;
    if (ok_before) return before; /* normal, or an overlap: the earlier offset */
    if (ok_after) return after;
    return before; /* a gap: keep the earlier offset, the time moves forward */
}
