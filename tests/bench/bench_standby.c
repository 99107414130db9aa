/*
 * bench_standby.c - sections 6 to 9 of ipc_bench.exe: the hot standby
 * (ConsoleAppController --standby) and the restart that loses nothing
 * (ConsoleAppController --restart NAME).
 *
 *   6. failover latency: TerminateProcess on the active listener while a
 *      standby waits, until the standby's pid is at offset 0; against a bare
 *      start of the same listener, in turn (A B A B), as section 1 does.
 *   7. the gap on --restart with a standby: from the old listener's last
 *      "end" line in its --journal to the new one's first "start" line; and
 *      the same without a standby, in turn, for what a cold restart leaves.
 *   8. scale: 1, 8, 32 and 64 pairs with a standby each, every active
 *      listener killed at the same moment; against the single pair.
 *   9. cost: the waiting standby's memory, CPU and wake-ups in a quiet
 *      window, against the bench's sleeping child.
 *
 * A section whose feature the programs do not have yet (no standby ever
 * reports that it waits, --restart does not exit 0 with a new pid) says so in
 * its row, "not available", and measures nothing.
 */
#include "bench.h"

#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define STANDBY_READY_TIMEOUT_MS 15000.0 /* a standby is one process start away; generous on a busy machine */
#define FINE_SPIN_MS 100.0               /* the fine poll yields only, this long, then sleeps 1 ms a round */
#define RESTART_TIMEOUT_MS 30000ul       /* --restart --timeout */
#define SCALE_SPIN_MS 2000.0             /* a burst of 64 takes-overs can take hundreds of ms on 2 CPUs */
/* After --restart exits, how long its new listener's first unit start is looked for (the side's next restart is 200 ms on). */
#define GAP_FIRST_START_MARGIN_MS 150.0

/* A row that says that the programs do not do what the section measures. */
static void Unavailable(Bench *b, const char *figure, const char *why)
{
    Row *r = AddRow(b, figure);
    Fmt(r->result, sizeof(r->result), "not available: %s", why);
    Fmt(r->verdict, sizeof(r->verdict), "n/a");
    Progress("ipc_bench: %s: not available: %s", figure, why);
}

static void FormatMedP95Fine(char *out, size_t cap, const Samples *s)
{
    Fmt(out, cap, "%.2f / %.2f ms (n=%d)", SamplesQuantile(s, 0.5), SamplesQuantile(s, 0.95), s->n);
}

/* The standby the header names as waiting (state 2), when it is not not_pid and not the active one; else 0. */
static LONG WaitingStandby(const IpcMapping *map, LONG not_pid)
{
    volatile IpcHeader *h = IpcMappingHeader(map);
    LONG pid;
    if (h == NULL || h->standby_state != IPC_STANDBY_WAITING) {
        return 0;
    }
    pid = (LONG)h->standby_pid;
    return pid > 0 && pid != not_pid && pid != IpcMappingReadMessage(map) ? pid : 0;
}

/*
 * Polls every 1 ms until every pair's header names a waiting standby (other
 * than old[i] when old is not NULL); their pids go to sb[i], 0 for those that
 * did not. *t_last: when the last one was seen. Returns how many are waiting.
 */
static int WaitStandbys(Pair *pairs, int n, const LONG *old, LONG *sb, double timeout_ms, double *t_last)
{
    double start = BenchNowMs();
    int done = 0;
    int i;

    for (i = 0; i < n; i++) {
        sb[i] = 0;
    }
    *t_last = 0.0;
    for (;;) {
        for (i = 0; i < n; i++) {
            if (sb[i] == 0) {
                sb[i] = WaitingStandby(&pairs[i].map, old != NULL ? old[i] : 0);
                if (sb[i] != 0) {
                    *t_last = BenchNowMs();
                    done++;
                }
            }
        }
        if (done == n || BenchNowMs() - start > timeout_ms) {
            return done;
        }
        Sleep(1);
    }
}

/*
 * PairFinish for a pair with a standby: the standby the header names is ended
 * too (verified by image name), after a graceful stop only if it did not exit
 * by itself. Without a graceful stop it is killed first, so that it does not
 * take over from the listener PairFinish kills.
 */
static void StandbyPairFinish(Pair *p, DWORD timeout_ms)
{
    volatile IpcHeader *hdr = IpcMappingHeader(&p->map);
    LONG sb = hdr != NULL ? (LONG)hdr->standby_pid : 0;
    HANDLE h = NULL;

    if (sb > 0 &&
        IpcProcessOpenVerified((DWORD)sb, 0, L"ConsoleAppListener.exe", PROCESS_TERMINATE, &h, NULL, 0) != ERROR_SUCCESS) {
        h = NULL;
    }
    if (h != NULL && timeout_ms == 0) {
        KillAndWait(h);
    }
    PairFinish(p, timeout_ms);
    if (h != NULL) {
        if (WaitForSingleObject(h, timeout_ms == 0 ? 0 : 2000) == WAIT_TIMEOUT) {
            Progress("ipc_bench: the standby %ld of %ls did not exit with its pair; terminating it", (long)sb, p->name);
            KillAndWait(h);
        }
        CloseHandle(h);
    }
}

/* Starts a controller with --standby and long units; waits for its listener and a waiting standby (*sb). */
static BOOL StandbyPairStart(Bench *b, Pair *p, const wchar_t *what, const wchar_t *listener_args, LONG *sb,
                             double *t_ready)
{
    double t_last;
    *sb = 0;
    if (!PairStartArgs(b, p, what, L"--standby --console none", listener_args) || !PairsPublished(p, 1, &t_last)) {
        return FALSE;
    }
    return WaitStandbys(p, 1, NULL, sb, STANDBY_READY_TIMEOUT_MS, t_ready) == 1;
}

/* ---- the listeners' --journal ---- */

typedef struct JournalLine {
    DWORD pid;
    BOOL start; /* "start"; else "end" (other events are left out) */
    double ms;  /* tick=N in ms when the line has it, else its UTC time in ms */
    BOOL tick;
} JournalLine;

typedef struct Journal {
    JournalLine *v;
    int n;
    int ticks; /* lines with a tick= field */
} Journal;

/* The number after key (e.g. "pid=") in the line, as text; NULL when absent. */
static const char *Field(const char *line, const char *end, const char *key)
{
    size_t klen = strlen(key);
    const char *p;
    for (p = line; p + klen <= end; p++) {
        if ((p == line || p[-1] == ' ') && memcmp(p, key, klen) == 0) {
            return p + klen;
        }
    }
    return NULL;
}

static BOOL HasWordIn(const char *line, const char *end, const char *word)
{
    size_t wlen = strlen(word);
    const char *p;
    for (p = line; p + wlen <= end; p++) {
        if ((p == line || p[-1] == ' ') && memcmp(p, word, wlen) == 0 &&
            (p + wlen == end || p[wlen] == ' ' || p[wlen] == '\r')) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Reads the listeners' --journal: "<UTC time> pid=<pid> unit=<n> <event>",
 * with " tick=<performance counter, 100 ns>" where the listener writes it.
 * Times come from tick= when there, else from the UTC time (1 ms steps here;
 * on Windows GetSystemTime moves in timer ticks).
 */
static BOOL JournalRead(const wchar_t *path, Journal *out)
{
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER size;
    char *text;
    DWORD got = 0;
    const char *p;
    int cap;

    memset(out, 0, sizeof(*out));
    if (f == INVALID_HANDLE_VALUE) {
        return FALSE;
    }
    if (!GetFileSizeEx(f, &size) || size.QuadPart > 64 * 1024 * 1024) {
        CloseHandle(f);
        return FALSE;
    }
    text = (char *)malloc((size_t)size.QuadPart + 1);
    if (text == NULL || !ReadFile(f, text, (DWORD)size.QuadPart, &got, NULL)) {
        free(text);
        CloseHandle(f);
        return FALSE;
    }
    CloseHandle(f);
    text[got] = '\0';
    cap = 64;
    for (p = text; *p != '\0'; p++) {
        cap += *p == '\n';
    }
    out->v = (JournalLine *)calloc((size_t)cap, sizeof(JournalLine));
    if (out->v == NULL) {
        free(text);
        return FALSE;
    }
    for (p = text; *p != '\0' && out->n < cap;) {
        const char *end = strchr(p, '\n');
        const char *pid;
        const char *tick;
        JournalLine *j = &out->v[out->n];
        SYSTEMTIME st;
        FILETIME ft;
        unsigned y, mo, d, h, mi, s, ms;
        if (end == NULL) {
            end = p + strlen(p);
        }
        pid = Field(p, end, "pid=");
        tick = Field(p, end, "tick=");
        if (pid != NULL && (HasWordIn(p, end, "start") || HasWordIn(p, end, "end"))) {
            j->pid = (DWORD)strtoul(pid, NULL, 10);
            j->start = HasWordIn(p, end, "start");
            if (tick != NULL) {
                j->ms = (double)_strtoui64(tick, NULL, 10) / 10000.0;
                j->tick = TRUE;
                out->ticks++;
                out->n++;
            } else if (sscanf(p, "%4u-%2u-%2uT%2u:%2u:%2u.%3u", &y, &mo, &d, &h, &mi, &s, &ms) == 7) {
                memset(&st, 0, sizeof(st));
                st.wYear = (WORD)y;
                st.wMonth = (WORD)mo;
                st.wDay = (WORD)d;
                st.wHour = (WORD)h;
                st.wMinute = (WORD)mi;
                st.wSecond = (WORD)s;
                st.wMilliseconds = (WORD)ms;
                if (SystemTimeToFileTime(&st, &ft)) {
                    j->ms = (double)((((uint64_t)ft.dwHighDateTime) << 32) | ft.dwLowDateTime) / 10000.0;
                    out->n++;
                }
            }
        }
        p = *end == '\0' ? end : end + 1;
    }
    free(text);
    return TRUE;
}

/*
 * The first "start" line of pid timed at from_ms or later (on the lines'
 * tick=, the clock of BenchNowMs), or NULL. Windows reuses pids, so a journal
 * of many listeners can hold an earlier process's lines under the same pid:
 * only what came after the event being timed is looked at.
 */
static const JournalLine *JournalFirstStart(const Journal *j, DWORD pid, double from_ms)
{
    int i;
    for (i = 0; i < j->n; i++) {
        if (j->v[i].pid == pid && j->v[i].start && j->v[i].tick && j->v[i].ms >= from_ms) {
            return &j->v[i];
        }
    }
    return NULL;
}

/*
 * The gap of one restart from old_pid to new_pid, looking only at the lines
 * timed within the restart's own time, [from_ms, to_ms] (from_ms - lead_ms for
 * old_pid, whose last unit may have started before the restart was asked for),
 * so that a pid Windows gave to another listener before or after is not
 * mistaken for these two:
 * the first "start" of new_pid minus the last "end" of old_pid (negative: the
 * two overlapped). *cut: old_pid's last unit started and never ended. FALSE
 * when a line is missing or the lines have no tick=.
 */
static BOOL JournalGap(const Journal *j, DWORD old_pid, DWORD new_pid, double from_ms, double to_ms, double lead_ms,
                       double *gap, BOOL *cut)
{
    const JournalLine *last_end = NULL;
    const JournalLine *last_start = NULL;
    const JournalLine *first_start = JournalFirstStart(j, new_pid, from_ms);
    int i;
    for (i = 0; i < j->n; i++) {
        const JournalLine *l = &j->v[i];
        if (l->pid != old_pid || !l->tick || l->ms < from_ms - lead_ms || l->ms > to_ms) {
            continue;
        }
        if (l->start) {
            last_start = l;
        } else {
            last_end = l;
        }
    }
    if (last_end == NULL || first_start == NULL || first_start->ms > to_ms) {
        return FALSE;
    }
    *gap = first_start->ms - last_end->ms;
    *cut = last_start != NULL && last_start > last_end;
    return TRUE;
}

/* ---- 6. failover latency ---- */

void FailoverSection(Bench *b)
{
    static const char figure[] = "6. failover latency, --console none: kill the active listener -> the standby's pid at offset 0, median / p95";
    wchar_t work[64];
    wchar_t largs[MAX_PATH + 64];
    Pair p;
    Bare bare;
    Samples a = {0};     /* A: kill -> the standby's pid published */
    Samples bs = {0};    /* B: bare start -> pid */
    Samples rearm = {0}; /* A: kill -> the next standby waiting */
    Samples gone = {0};  /* A: kill -> the killed listener seen gone */
    Samples first = {0}; /* A: kill -> the new listener's first unit start, by its journal's tick= */
    static LONG took[1000];
    static uint64_t tick_kill[1000];
    wchar_t journal[MAX_PATH];
    Journal j;
    LONG sb = 0;
    double t_ready = 0.0;
    int kills = b->kills;
    int not_standby = 0;
    int k;
    Row *r;
    char why[160];
    volatile IpcHeader *hdr;
    uint32_t failovers0 = 0;

    Progress("6. failover latency: %d kills of the active listener with a standby waiting, each against a bare start (A B A B)",
             kills);
    memset(&p, 0, sizeof(p));
    if (!BareInit(b, &bare, L"fbare")) {
        return;
    }
    NewName(b, L"fjournal", work, ARRAYSIZE(work));
    swprintf(journal, MAX_PATH, L"%ls\\%ls.txt", b->tmp, work);
    swprintf(largs, ARRAYSIZE(largs), L"--work-ms %lu --journal \"%ls\"", LONG_WORK_MS, journal);
    if (!StandbyPairStart(b, &p, L"failover", largs, &sb, &t_ready)) {
        Fmt(why, sizeof(why), "no standby reported state 2 (waiting) at offset 92 within %.0f s of the start",
            STANDBY_READY_TIMEOUT_MS / 1000.0);
        Unavailable(b, figure, why);
        goto done;
    }
    hdr = IpcMappingHeader(&p.map);
    failovers0 = hdr != NULL ? hdr->failovers : 0;
    for (k = 0; k < kills; k++) {
        Pub pub;
        CpuMark m0;
        double t0;
        double t_gone;
        double ms;
        BOOL ok;
        LONG next = 0;

        /* A: the active listener ran past the start-up window, its standby waits. */
        if (PairsKillAtOnce(b, &p, 1, &pub, &t0, &t_gone, 0, &m0, FINE_SPIN_MS) != 1) {
            Progress("ipc_bench: no listener took over within 120 s");
            break;
        }
        SamplesAdd(&a, pub.t - t0);
        if (k < (int)ARRAYSIZE(took)) {
            took[k] = pub.pid;
            tick_kill[k] = pub.tick_kill;
        }
        if (t_gone != 0.0) {
            SamplesAdd(&gone, t_gone - t0);
        }
        if (pub.pid != sb) {
            not_standby++; /* a relaunched process, not the standby: counted, and said in the row */
        }
        p.pid = pub.pid;
        p.t_pub = pub.t;
        if (WaitStandbys(&p, 1, &sb, &next, STANDBY_READY_TIMEOUT_MS, &t_ready) != 1) {
            Progress("ipc_bench: no new standby was waiting within %.0f s of a failover", STANDBY_READY_TIMEOUT_MS / 1000.0);
            break;
        }
        SamplesAdd(&rearm, t_ready - t0);
        sb = next;

        /* B: the same listener started by the bench, after the same quiet (as in section 1). */
        Sleep(300);
        /* Once again after a failed CreateProcessW (Wine 8 under load returned ERROR_INTERNAL_ERROR once). */
        ok = BarePublished(b, &bare, g_none_flags, &ms);
        if (!ok) {
            Sleep(100);
            ok = BarePublished(b, &bare, g_none_flags, &ms);
        }
        if (!ok) {
            break;
        }
        SamplesAdd(&bs, ms);
        BareStop(&bare);
    }
    /* The same failovers timed with no poll at all: from the kill to the new listener's first "start" line. */
    if (JournalRead(journal, &j)) {
        for (k = 0; k < a.n && k < (int)ARRAYSIZE(took); k++) {
            const JournalLine *l = JournalFirstStart(&j, (DWORD)took[k], (double)tick_kill[k] / 10000.0);
            if (l != NULL && l->tick) {
                SamplesAdd(&first, l->ms - (double)tick_kill[k] / 10000.0);
            }
        }
        free(j.v);
    }
    hdr = IpcMappingHeader(&p.map);
    Note(b, "failover: the header's failovers went from %lu to %lu over %d kills; %d took-over pids were not the standby's",
         (unsigned long)failovers0, hdr != NULL ? (unsigned long)hdr->failovers : 0ul, a.n, not_standby);

    r = AddRow(b, figure);
    FormatMedP95Fine(r->result, sizeof(r->result), &a);
    FormatBareStart(r->reference, sizeof(r->reference), &bs, g_none_flags);
    if (a.n > 0 && bs.n > 0) {
        double ratio = SamplesQuantile(&a, 0.5) / SamplesQuantile(&bs, 0.5);
        Fmt(r->ratio, sizeof(r->ratio), "%.3f (p95 %.3f, turn by turn %.3f)", ratio,
            SamplesQuantile(&a, 0.95) / SamplesQuantile(&bs, 0.95), TurnByTurnRatio(&a, &bs));
        Fmt(r->target, sizeof(r->target), "median ratio <= 0.1");
        Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(ratio <= 0.1 && not_standby == 0));
    }
    Fmt(r->method, sizeof(r->method), "QPC; TerminateProcess -> offset 0 read in a SwitchToThread loop; bare: polled every 1 ms; A B A B%s",
        not_standby != 0 ? "; SOME TAKE-OVERS WERE NOT THE STANDBY" : "");
    r = AddRow(b, "6. failover, by the journal: kill -> the new listener's first unit start (its tick=), median / p95");
    if (first.n > 0) {
        FormatMedP95Fine(r->result, sizeof(r->result), &first);
        FormatMedP95Fine(r->reference, sizeof(r->reference), &a);
        Fmt(r->reference + strlen(r->reference), sizeof(r->reference) - strlen(r->reference), " polled (the row above)");
        Fmt(r->ratio, sizeof(r->ratio), "%.3f", SamplesQuantile(&first, 0.5) / SamplesQuantile(&bs, 0.5));
        Fmt(r->target, sizeof(r->target), "(the same, unpolled; ratio to the bare start)");
    } else {
        Fmt(r->result, sizeof(r->result), "not available: the journal lines have no tick= field");
    }
    Fmt(r->verdict, sizeof(r->verdict), "info");
    Fmt(r->method, sizeof(r->method), "IpcPreciseTickNowU64 (QueryPerformanceCounter) before TerminateProcess; --journal tick=");
    if (gone.n > 0) {
        r = AddRow(b, "6. failover: kill -> the killed listener seen gone (the system's share), median / p95");
        FormatMedP95Fine(r->result, sizeof(r->result), &gone);
        FormatMedP95Fine(r->reference, sizeof(r->reference), &a);
        Fmt(r->reference + strlen(r->reference), sizeof(r->reference) - strlen(r->reference), " the whole failover");
        Fmt(r->ratio, sizeof(r->ratio), "+%.2f ms", SamplesQuantile(&a, 0.5) - SamplesQuantile(&gone, 0.5));
        Fmt(r->target, sizeof(r->target), "(the rest: the standby's takeover)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "WaitForMultipleObjects on the killed process, while a thread polls offset 0");
    }
    if (rearm.n > 0) {
        r = AddRow(b, "6. after a failover: kill -> the next standby waiting (state 2), median / p95");
        FormatMedP95(r->result, sizeof(r->result), &rearm);
        FormatMedP95(r->reference, sizeof(r->reference), &bs);
        Fmt(r->reference + strlen(r->reference), sizeof(r->reference) - strlen(r->reference), " bare start");
        /* The controller launches the next standby 1 s after the takeover (the start-up window): the rest is its start. */
        Fmt(r->ratio, sizeof(r->ratio), "%.2f after the 1 s", (SamplesQuantile(&rearm, 0.5) - 1000.0) / SamplesQuantile(&bs, 0.5));
        Fmt(r->target, sizeof(r->target), "(1 s by design, then a process start)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "header standby_pid and standby_state polled every 1 ms");
    }
    NoteSamples(b, "failover, A (kill -> standby's pid)", &a);
    NoteSamples(b, "failover, B (bare start -> pid)", &bs);
    NoteSamples(b, "failover, kill -> next standby waiting", &rearm);
    NoteSamples(b, "failover, kill -> killed listener seen gone", &gone);
    NoteSamples(b, "failover, kill -> new listener's first unit start (journal tick=)", &first);

done:
    StandbyPairFinish(&p, 0); /* its listener is in a long unit */
    IpcMappingClose(&bare.map);
    SamplesFree(&a);
    SamplesFree(&bs);
    SamplesFree(&rearm);
    SamplesFree(&gone);
    SamplesFree(&first);
}

/* ---- 7. the gap on --restart ---- */

typedef struct GapSide {
    Pair p;
    wchar_t journal[MAX_PATH];
    LONG old_pid[64];
    LONG new_pid[64];
    double from_ms[64]; /* each restart's own time, on BenchNowMs: --restart started */
    double to_ms[64];   /* ... --restart exited, and a margin for the new listener's first start */
    unsigned long work_ms;
    int n;
    Samples took; /* --restart started -> it exited 0 */
    BOOL standby;
    BOOL up;
    DWORD bad_code; /* the exit code of a --restart that failed, 0 when none did */
} GapSide;

static BOOL GapSideStart(Bench *b, GapSide *s, BOOL standby, unsigned long work_ms)
{
    wchar_t largs[MAX_PATH + 64];
    double t_last;
    LONG sb = 0;
    s->standby = standby;
    s->work_ms = work_ms;
    NewName(b, standby ? L"gapjournal" : L"coldjournal", largs, ARRAYSIZE(largs));
    swprintf(s->journal, MAX_PATH, L"%ls\\%ls.txt", b->tmp, largs);
    swprintf(largs, ARRAYSIZE(largs), L"--work-ms %lu --journal \"%ls\"", work_ms, s->journal);
    if (!PairStartArgs(b, &s->p, standby ? L"gap" : L"cold", standby ? L"--standby --console none" : L"--console none",
                       largs)) {
        return FALSE;
    }
    s->up = TRUE; /* its controller runs: ended at the end of the section */
    if (!PairsPublished(&s->p, 1, &t_last)) {
        return FALSE;
    }
    return !standby || WaitStandbys(&s->p, 1, NULL, &sb, STANDBY_READY_TIMEOUT_MS, &t_last) == 1;
}

/* One ConsoleAppController --restart NAME; FALSE when it did not exit 0 with a new pid at offset 0. */
static BOOL GapSideRestart(Bench *b, GapSide *s)
{
    wchar_t args[128];
    wchar_t log[96];
    PROCESS_INFORMATION pi;
    double t0 = 0.0;
    DWORD code = 1;
    LONG old = IpcMappingReadMessage(&s->p.map);
    LONG now;
    LONG sb = 0;
    double t_ready;

    /* With a standby: it waits (the controller starts a fresh one for the restart; this is the steady state). */
    if (s->standby && WaitStandbys(&s->p, 1, NULL, &sb, STANDBY_READY_TIMEOUT_MS, &t_ready) != 1) {
        Progress("ipc_bench: no standby waiting before a --restart of %ls", s->p.name);
    }
    swprintf(args, 128, L"--restart %ls --timeout %lu", s->p.name, RESTART_TIMEOUT_MS);
    swprintf(log, 96, L"%ls-restart", s->p.name);
    if (!Spawn(b, b->controller, args, CREATE_NO_WINDOW, TRUE, log, &pi, &t0)) {
        return FALSE;
    }
    if (WaitForSingleObject(pi.hProcess, RESTART_TIMEOUT_MS + 10000) != WAIT_OBJECT_0) {
        KillAndWait(pi.hProcess);
    }
    if (!GetExitCodeProcess(pi.hProcess, &code)) {
        code = 1;
    }
    CloseProcess(&pi);
    now = IpcMappingReadMessage(&s->p.map);
    if (code != 0 || now <= 0 || now == old || s->n == (int)ARRAYSIZE(s->old_pid)) {
        s->bad_code = code != 0 ? code : 0xFFFFFFFFu;
        return FALSE;
    }
    SamplesAdd(&s->took, BenchNowMs() - t0);
    s->old_pid[s->n] = old;
    s->new_pid[s->n] = now;
    s->from_ms[s->n] = t0;
    s->to_ms[s->n] = BenchNowMs() + GAP_FIRST_START_MARGIN_MS;
    s->n++;
    s->p.pid = now;
    return TRUE;
}

/* The gaps of the side's restarts from its journal; returns how many lines had tick=. */
static int GapSideGaps(GapSide *s, Samples *gaps, int *overlaps, int *cuts, int *unmatched)
{
    Journal j;
    int i;
    int ticks;
    if (!JournalRead(s->journal, &j)) {
        return 0;
    }
    for (i = 0; i < s->n; i++) {
        double gap;
        BOOL cut;
        if (JournalGap(&j, (DWORD)s->old_pid[i], (DWORD)s->new_pid[i], s->from_ms[i], s->to_ms[i],
                       (double)s->work_ms + GAP_FIRST_START_MARGIN_MS, &gap, &cut)) {
            SamplesAdd(gaps, gap);
            *overlaps += gap < 0;
            *cuts += cut;
        } else {
            (*unmatched)++; /* a line missing (a cut unit with no start in the window, say): counted, never dropped */
        }
    }
    ticks = j.ticks;
    free(j.v);
    return ticks;
}

void RestartGapSection(Bench *b)
{
    static const char figure[] = "7. gap on --restart NAME with a standby: the old listener's last unit end -> the new one's first start, median / p95";
    static GapSide side[2]; /* 0: --standby, 1: without, the limit */
    const unsigned long work_ms = 50;
    int restarts = b->quick ? 4 : 20;
    Samples gaps[2] = {{0}};
    int overlaps[2] = {0, 0};
    int cuts[2] = {0, 0};
    int unmatched[2] = {0, 0};
    int ticks[2] = {0, 0};
    BOOL ready[2];
    int k;
    int m;
    char why[200];
    Row *r;

    Progress("7. gap on --restart: %d restarts with a standby and %d without, in turn, %lu ms units", restarts, restarts,
             work_ms);
    memset(side, 0, sizeof(side));
    ready[0] = GapSideStart(b, &side[0], TRUE, work_ms);
    if (!ready[0]) {
        /* Still the restart without a standby, for its own figures. */
        Fmt(why, sizeof(why), "no standby reported state 2 (waiting) at offset 92 within %.0f s of the start",
            STANDBY_READY_TIMEOUT_MS / 1000.0);
        Unavailable(b, figure, why);
    }
    ready[1] = GapSideStart(b, &side[1], FALSE, work_ms);
    Sleep(500);
    for (k = 0; k < restarts; k++) {
        for (m = 0; m < 2; m++) {
            if (!ready[m]) {
                continue;
            }
            if (!GapSideRestart(b, &side[m])) {
                Fmt(why, sizeof(why), "ConsoleAppController --restart %ls exited %lu%s", side[m].p.name,
                    (unsigned long)side[m].bad_code,
                    side[m].bad_code == 0xFFFFFFFFu ? " (0, but offset 0 still named the old listener)" : "");
                if (m == 0) {
                    Unavailable(b, figure, why);
                } else {
                    Note(b, "restart gap without a standby: %s", why);
                }
                goto measured;
            }
            Sleep(200); /* a few units of the new listener */
        }
    }

measured:
    /* A graceful stop, so that the last units end and the journals are complete. */
    StandbyPairFinish(&side[0].p, 10000);
    PairFinish(&side[1].p, 10000);
    side[0].up = side[1].up = FALSE;
    for (m = 0; m < 2; m++) {
        ticks[m] = GapSideGaps(&side[m], &gaps[m], &overlaps[m], &cuts[m], &unmatched[m]);
    }
    if (side[0].n == 0 && side[1].n > 0) {
        r = AddRow(b, "7. gap on --restart NAME without a standby (a cold restart), median / p95");
        FormatMedP95(r->result, sizeof(r->result), &gaps[1]);
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "--journal lines, %s; %d overlaps, %d units cut, %d restarts unmatched",
            ticks[1] > 0 ? "tick= (performance counter)" : "NOT AVAILABLE: no tick= field", overlaps[1], cuts[1],
            unmatched[1]);
        NoteSamples(b, "restart gap without a standby", &gaps[1]);
    }
    if (side[0].n == 0) {
        goto done;
    }
    r = AddRow(b, figure);
    FormatMedP95Fine(r->result, sizeof(r->result), &gaps[0]);
    Fmt(r->reference, sizeof(r->reference), "without a standby: %.1f / %.1f ms (n=%d)", SamplesQuantile(&gaps[1], 0.5),
        SamplesQuantile(&gaps[1], 0.95), gaps[1].n);
    if (gaps[0].n > 0 && gaps[1].n > 0) {
        Fmt(r->ratio, sizeof(r->ratio), "%.3f", SamplesQuantile(&gaps[0], 0.5) / SamplesQuantile(&gaps[1], 0.5));
    }
    Fmt(r->target, sizeof(r->target), "p95 < 5 ms, no overlap, no unit cut");
    Fmt(r->verdict, sizeof(r->verdict), "%s",
        Verdict(gaps[0].n > 0 && SamplesQuantile(&gaps[0], 0.95) < 5.0 && overlaps[0] == 0 && cuts[0] == 0 &&
                unmatched[0] == 0));
    Fmt(r->method, sizeof(r->method), "--journal lines, %s; %d overlaps, %d units cut, %d unmatched (without: %d, %d, %d)",
        ticks[0] > 0 ? "tick= (performance counter)" : "NOT AVAILABLE: no tick= field", overlaps[0], cuts[0],
        unmatched[0], overlaps[1], cuts[1], unmatched[1]);
    r = AddRow(b, "7. --restart NAME with a standby: ConsoleAppController started -> exited 0 (new pid at offset 0), median / p95");
    FormatMedP95(r->result, sizeof(r->result), &side[0].took);
    Fmt(r->reference, sizeof(r->reference), "without a standby: %.1f / %.1f ms (n=%d)",
        SamplesQuantile(&side[1].took, 0.5), SamplesQuantile(&side[1].took, 0.95), side[1].took.n);
    Fmt(r->target, sizeof(r->target), "(a fresh standby first, then the unit's rest)");
    Fmt(r->verdict, sizeof(r->verdict), "info");
    Fmt(r->method, sizeof(r->method), "QPC; CreateProcessW of --restart -> its exit");
    NoteSamples(b, "restart gap with a standby", &gaps[0]);
    NoteSamples(b, "restart gap without a standby", &gaps[1]);
    NoteSamples(b, "--restart with a standby, start -> exit", &side[0].took);
    NoteSamples(b, "--restart without a standby, start -> exit", &side[1].took);

done:
    if (side[0].up) {
        StandbyPairFinish(&side[0].p, 0);
    }
    if (side[1].up) {
        PairFinish(&side[1].p, 0);
    }
    for (m = 0; m < 2; m++) {
        SamplesFree(&gaps[m]);
        SamplesFree(&side[m].took);
    }
}

/* ---- 8. scale with standbys ---- */

typedef struct FailScale {
    int n;
    double start_all; /* controllers started -> every standby waiting */
    Samples fail;     /* kill -> the standby's pid at offset 0, every pair of every round */
    Samples rearm;    /* kill of the round -> every pair's next standby waiting */
    Samples alone;    /* the same burst once more, the controllers ended first: no fresh standby starts meanwhile */
    CpuUse use_fail;
    CpuUse use_rearm;
    int not_standby;
    double kill_spread; /* the first kill -> the last, the longest of the rounds */
    double mem_kib;     /* under Wine: MemAvailable before the start - once every standby waits */
    BOOL ok;
    BOOL available;
} FailScale;

/* Under Wine: the host's MemAvailable from /proc/meminfo, in KiB (-1 when unknown). */
static double HostMemAvailable(Bench *b)
{
    char text[4096];
    const char *p;
    if (!b->wine || BenchReadUnixFile("/proc/meminfo", text, sizeof(text)) <= 0) {
        return -1.0;
    }
    p = strstr(text, "MemAvailable:");
    return p != NULL ? strtod(p + 13, NULL) : -1.0;
}

static void StandbyScaleOne(Bench *b, int n, int rounds, FailScale *res)
{
    static Pair pairs[MAX_PAIRS];
    static LONG sb[MAX_PAIRS];
    static LONG next[MAX_PAIRS];
    Pub pub[MAX_PAIRS];
    double t_kill[MAX_PAIRS];
    wchar_t work[64];
    double t0;
    double t_last;
    int i;
    int round;
    int got;
    int started = 0;
    DWORD server = b->wine ? BenchWineserverPid() : 0;
    CpuMark m0;
    CpuMark m1;
    CpuMark m2;
    double mem0;

    memset(res, 0, sizeof(*res));
    res->n = n;
    Progress("8. scale with standbys: %d pair%s (%d processes), %d round%s of kills", n, n == 1 ? "" : "s", 3 * n, rounds,
             rounds == 1 ? "" : "s");
    swprintf(work, 64, L"--work-ms %lu", LONG_WORK_MS);
    mem0 = HostMemAvailable(b);
    t0 = BenchNowMs();
    started = PairsStart(b, pairs, n, L"sscale", L"--standby --console none", work);
    if (started != n || !PairsPublished(pairs, n, &t_last)) {
        goto done;
    }
    if (WaitStandbys(pairs, n, NULL, sb, STANDBY_READY_TIMEOUT_MS + 1000.0 * n, &t_last) != n) {
        goto done;
    }
    res->available = TRUE;
    res->start_all = t_last - t0;
    res->mem_kib = mem0 >= 0 ? mem0 - HostMemAvailable(b) : -1.0;
    for (round = 0; round < rounds; round++) {

        /*
         * Every active listener past the start-up window (every standby waits),
         * then all killed, while a thread of the bench reads the mappings: a
         * standby that takes over during the kills is seen then, not after the
         * last kill.
         */
        got = PairsKillAtOnce(b, pairs, n, pub, t_kill, NULL, server, &m0, SCALE_SPIN_MS);
        MarkCpu(b, server, &m1);
        AddUse(&res->use_fail, &m0, &m1);
        if (t_kill[n - 1] - t_kill[0] > res->kill_spread) {
            res->kill_spread = t_kill[n - 1] - t_kill[0];
        }
        for (i = 0; i < n; i++) {
            if (pub[i].t != 0.0) {
                SamplesAdd(&res->fail, pub[i].t - t_kill[i]);
                res->not_standby += pub[i].pid != sb[i];
                pairs[i].pid = pub[i].pid;
                pairs[i].t_pub = pub[i].t;
            }
        }
        if (got != n) {
            Progress("ipc_bench: %d of %d standbys did not take over within 120 s", n - got, n);
            goto done;
        }
        /* The controllers start a fresh standby each: n process starts at once. */
        if (WaitStandbys(pairs, n, sb, next, STANDBY_READY_TIMEOUT_MS + 1000.0 * n, &t_last) != n) {
            Progress("ipc_bench: not every pair had a new standby waiting after a failover");
            goto done;
        }
        MarkCpu(b, server, &m2);
        AddUse(&res->use_rearm, &m1, &m2);
        SamplesAdd(&res->rearm, t_last - t_kill[0]);
        memcpy(sb, next, sizeof(LONG) * (size_t)n);
        Sleep(300);
    }
    res->ok = TRUE;

    /*
     * Once more with every controller ended first: the standbys take over by
     * themselves (they wait for the lock, not for their controller), and no
     * controller starts a fresh standby meanwhile, which on a few CPUs
     * competes with the takeovers still to come.
     */
    for (i = 0; i < n; i++) {
        KillAndWait(pairs[i].ctl.hProcess);
    }
    Sleep(300);
    got = PairsKillAtOnce(b, pairs, n, pub, t_kill, NULL, server, &m0, SCALE_SPIN_MS);
    for (i = 0; i < n; i++) {
        if (pub[i].t != 0.0) {
            SamplesAdd(&res->alone, pub[i].t - t_kill[i]);
        }
    }
    if (got != n) {
        Progress("ipc_bench: %d of %d standbys did not take over without their controllers", n - got, n);
    }

done:
    /* The listeners are in units that do not end: no graceful stop, everything is killed. */
    for (i = 0; i < started; i++) {
        StandbyPairFinish(&pairs[i], 0);
    }
}

void StandbyScaleSection(Bench *b)
{
    static const int counts[] = {1, 8, 32, 64};
    static const int rounds_full[] = {30, 4, 2, 2}; /* the single pair is the reference: more samples for its p95 */
    static const int rounds_quick[] = {3, 1, 1, 1};
    static FailScale res[4];
    int last = b->quick ? 2 : 4;
    int k;
    Row *r;

    for (k = 0; k < last; k++) {
        StandbyScaleOne(b, counts[k], b->quick ? rounds_quick[k] : rounds_full[k], &res[k]);
        if (!res[k].available && k == 0) {
            char why[160];
            Fmt(why, sizeof(why), "no standby reported state 2 (waiting) at offset 92 within %.0f s of the start",
                STANDBY_READY_TIMEOUT_MS / 1000.0 + 1.0);
            Unavailable(b, "8. scale with standbys: all active listeners killed at once -> the standbys' pids at offset 0", why);
            last = 1;
            break;
        }
        Sleep(1000);
    }
    for (k = 0; k < last; k++) {
        FailScale *s = &res[k];
        char figure[160];
        char u1[96];
        char u2[96];
        if (s->fail.n == 0) {
            continue;
        }
        Fmt(figure, sizeof(figure),
            "8. scale with standbys, %d pair%s (%d processes): all active listeners killed at once -> standby's pid at offset 0, p50 / p95",
            s->n, s->n == 1 ? "" : "s", 3 * s->n);
        r = AddRow(b, figure);
        Fmt(r->result, sizeof(r->result), "%.2f / %.2f ms (n=%d)", SamplesQuantile(&s->fail, 0.5),
            SamplesQuantile(&s->fail, 0.95), s->fail.n);
        if (k > 0 && res[0].fail.n > 0) {
            double x = SamplesQuantile(&s->fail, 0.95) / SamplesQuantile(&res[0].fail, 0.95);
            Fmt(r->reference, sizeof(r->reference), "1 pair in this section: p95 %.2f ms", SamplesQuantile(&res[0].fail, 0.95));
            Fmt(r->ratio, sizeof(r->ratio), "%.2fx (p95)", x);
            Fmt(r->target, sizeof(r->target), "p95 <= 3x the single pair's");
            Fmt(r->verdict, sizeof(r->verdict), "%s", s->n == 64 ? Verdict(x <= 3.0 && s->not_standby == 0) : "info");
        } else {
            Fmt(r->target, sizeof(r->target), "(the reference of the rows below)");
            Fmt(r->verdict, sizeof(r->verdict), "info");
        }
        Fmt(r->method, sizeof(r->method), "QPC; a thread reads every mapping in a SwitchToThread loop during the kills%s",
            s->not_standby != 0 ? "; SOME TAKE-OVERS WERE NOT THE STANDBY" : "");
        if (k > 0 && s->alone.n > 0) {
            Fmt(figure, sizeof(figure), "8. scale with standbys, %d pair%s, the controllers ended first: kill -> standby's pid, p50 / p95",
                s->n, s->n == 1 ? "" : "s");
            r = AddRow(b, figure);
            Fmt(r->result, sizeof(r->result), "%.2f / %.2f ms (n=%d)", SamplesQuantile(&s->alone, 0.5),
                SamplesQuantile(&s->alone, 0.95), s->alone.n);
            Fmt(r->reference, sizeof(r->reference), "1 pair in this section: p95 %.2f ms", SamplesQuantile(&res[0].fail, 0.95));
            Fmt(r->ratio, sizeof(r->ratio), "%.2fx (p95)", SamplesQuantile(&s->alone, 0.95) / SamplesQuantile(&res[0].fail, 0.95));
            Fmt(r->target, sizeof(r->target), "(no fresh standbys start meanwhile)");
            Fmt(r->verdict, sizeof(r->verdict), "info");
            Fmt(r->method, sizeof(r->method), "one burst after every controller was terminated; as above");
        }
        Fmt(figure, sizeof(figure), "8. scale with standbys, %d pair%s: start all -> every standby waiting / kill -> every pair's next standby waiting",
            s->n, s->n == 1 ? "" : "s");
        r = AddRow(b, figure);
        Fmt(r->result, sizeof(r->result), "%.0f ms / %.0f ms (median of %d rounds)", s->start_all,
            SamplesQuantile(&s->rearm, 0.5), s->rearm.n);
        FormatUse(u1, sizeof(u1), &s->use_fail);
        FormatUse(u2, sizeof(u2), &s->use_rearm);
        if (b->wine) {
            Fmt(r->reference, sizeof(r->reference), "failovers: %s; %.0f MiB for %d processes", u1, s->mem_kib / 1024.0,
                3 * s->n);
        }
        Fmt(r->target, sizeof(r->target), "(1 s by design, then %d process starts)", s->n);
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "header standby_state polled every 1 ms; CPU: /proc/stat and the wineserver's schedstat, during the failovers");
        if (b->wine) {
            Note(b, "scale with standbys %d (%d processes, %.0f MiB of the host's memory): during the failovers %s; while the controllers started new standbys %s; the %d kills of a round were issued within %.1f ms",
                 s->n, 3 * s->n, s->mem_kib / 1024.0, u1, u2, s->n, s->kill_spread);
        }
        Fmt(figure, sizeof(figure), "scale with standbys %d, kill -> standby's pid", s->n);
        NoteSamples(b, figure, &s->fail);
    }
    for (k = 0; k < 4; k++) {
        SamplesFree(&res[k].fail);
        SamplesFree(&res[k].rearm);
        SamplesFree(&res[k].alone);
    }
}

/* ---- 9. what a waiting standby costs ---- */

void StandbyCostSection(Bench *b)
{
    Pair p;
    PROCESS_INFORMATION sleeper;
    Watched w[2];
    wchar_t tag[64];
    wchar_t args[128];
    wchar_t work[64];
    LONG sb = 0;
    double t_ready;
    DWORD window = b->quick ? 3000 : 10000;
    BOOL linux_way = b->wine && !b->api;
    char why[160];
    char figure[128];
    int i;

    Progress("9. cost of a standby: %lu s of a waiting standby, beside a sleeping child", (unsigned long)window / 1000);
    memset(&sleeper, 0, sizeof(sleeper));
    memset(w, 0, sizeof(w));
    memset(&p, 0, sizeof(p));
    NewName(b, L"sleeper", tag, ARRAYSIZE(tag));
    swprintf(args, 128, L"--sleeper %ls", tag);
    swprintf(work, 64, L"--work-ms %lu", LONG_WORK_MS);
    if (!Spawn(b, b->self, args, g_none_flags, TRUE, NULL, &sleeper, NULL)) {
        goto done;
    }
    if (!StandbyPairStart(b, &p, L"scost", work, &sb, &t_ready)) {
        Fmt(why, sizeof(why), "no standby reported state 2 (waiting) at offset 92 within %.0f s of the start",
            STANDBY_READY_TIMEOUT_MS / 1000.0);
        Unavailable(b, "9. cost of a waiting standby", why);
        goto done;
    }
    Sleep(2000); /* its start-up is over */
    w[0].label = "standby";
    w[0].process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, (DWORD)sb);
    w[0].pid = (DWORD)sb;
    w[1].label = "sleeper";
    w[1].process = sleeper.hProcess;
    w[1].pid = sleeper.dwProcessId;
    if (b->wine) {
        /*
         * Two listeners name the instance, with the same command line (Wine does
         * not pass IPC_STANDBY on to the Linux environment): the standby is the
         * newer, since the controller starts it once the active one has
         * published, and BenchLinuxPid takes the newest.
         */
        w[0].linux_pid = BenchLinuxPid(IpcPathFileName(b->listener), p.name);
        w[1].linux_pid = BenchLinuxPid(IpcPathFileName(b->self), tag);
        Note(b, "standby cost: Linux pids standby %lu (the newer listener process of the pair), sleeper %lu",
             (unsigned long)w[0].linux_pid, (unsigned long)w[1].linux_pid);
    }
    for (i = 0; i < 2; i++) {
        WatchedRead(b, &w[i], &w[i].before);
    }
    Sleep(window);
    for (i = 0; i < 2; i++) {
        WatchedRead(b, &w[i], &w[i].after);
    }
    if (WaitingStandby(&p.map, 0) != sb) {
        Note(b, "standby cost: the standby %ld did not wait through the window (the header names %ld)", (long)sb,
             (long)WaitingStandby(&p.map, 0));
    }
    Fmt(figure, sizeof(figure), "9. memory of the standby (%s)", linux_way ? "VmRSS" : "working set");
    MemoryRow(b, figure, &w[0], &w[1],
              linux_way ? "/proc/PID/status VmRSS, RssAnon, Threads" : "GetProcessMemoryInfo WorkingSetSize, PrivateUsage");
    IdleRows(b, 9, &w[0], &w[1], window, NULL, NULL);

done:
    if (w[0].process != NULL) {
        CloseHandle(w[0].process);
    }
    StandbyPairFinish(&p, 0);
    KillAndWait(sleeper.hProcess);
    CloseProcess(&sleeper);
}
