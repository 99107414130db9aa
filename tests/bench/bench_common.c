/*
 * bench_common.c - what the sections of ipc_bench.exe share: the table and its
 * notes, starting and killing processes, a controller and its listener (a
 * pair), the bare start that is the limit of a relaunch, and the figures of a
 * process against a reference. bench_main.c and bench_standby.c use them.
 */
#include "bench.h"

#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_text.h"
#include "ipc_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/*
 * How the controller (ConsoleAppController/launch.c) starts a --console none
 * listener: the bare start, the limit for that mode, must start the listener
 * the same way. Found out at the start of a run (DetectNoneFlags);
 * --bare-flags sets it instead.
 */
DWORD g_none_flags = CREATE_NO_WINDOW;

const char *FlagName(DWORD flags)
{
    switch (flags) {
    case CREATE_NO_WINDOW:
        return "CREATE_NO_WINDOW";
    case DETACHED_PROCESS:
        return "DETACHED_PROCESS";
    case CREATE_NEW_CONSOLE:
        return "CREATE_NEW_CONSOLE";
    default:
        return "?";
    }
}

/* ---- the table ---- */

/*
 * snprintf that always ends the text, whichever printf family is linked:
 * msvcrt's (MinGW with __USE_MINGW_ANSI_STDIO=0) leaves a truncated one open.
 */
void Fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (cap == 0) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    out[cap - 1] = '\0';
}

Row *AddRow(Bench *b, const char *figure)
{
    Row *r;
    if (b->nrows == (int)(ARRAYSIZE(b->rows))) {
        b->nrows--;
    }
    r = &b->rows[b->nrows++];
    memset(r, 0, sizeof(*r));
    Fmt(r->figure, sizeof(r->figure), "%s", figure);
    return r;
}

void Note(Bench *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->notes_len + 2 >= sizeof(b->notes)) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(b->notes + b->notes_len, sizeof(b->notes) - b->notes_len - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(b->notes) - b->notes_len - 1) {
        b->notes[b->notes_len] = '\0'; /* a note that does not fit is left out */
        return;
    }
    if (n > 0) {
        b->notes_len += (size_t)n < sizeof(b->notes) - b->notes_len - 1 ? (size_t)n : sizeof(b->notes) - b->notes_len - 2;
        b->notes[b->notes_len++] = '\n';
        b->notes[b->notes_len] = '\0';
    }
}

/* Progress on standard error, so that standard output is the table alone. */
void Progress(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    DWORD written;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if (n > (int)sizeof(line) - 3) {
        n = (int)sizeof(line) - 3;
    }
    line[n++] = '\r';
    line[n++] = '\n';
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), line, (DWORD)n, &written, NULL);
}

const char *Verdict(BOOL met)
{
    return met ? "met" : "MISSED";
}

/* ---- processes ---- */

/* Writes the quoted exe and args into cmd (cap characters). */
static BOOL CommandLine(wchar_t *cmd, size_t cap, const wchar_t *exe, const wchar_t *args)
{
    size_t len = 0;
    int n;
    if (!IpcAppendQuotedArg(cmd, cap, &len, exe)) {
        return FALSE;
    }
    n = swprintf(cmd + len, cap - len, L" %ls", args);
    return n >= 0;
}

/*
 * Starts exe with args in the bin folder. std: give it standard handles (input
 * NUL, output and errors to log, or NUL), as a script or Task Scheduler would;
 * without, it gets none, as the controller's listeners do. *t0 (if not NULL) is
 * the time just before CreateProcessW.
 */
BOOL Spawn(Bench *b, const wchar_t *exe, const wchar_t *args, DWORD flags, BOOL std, const wchar_t *log,
                  PROCESS_INFORMATION *pi, double *t0)
{
    wchar_t cmd[4096];
    STARTUPINFOW si;
    HANDLE out = NULL;
    BOOL ok;
    DWORD code;

    if (!CommandLine(cmd, ARRAYSIZE(cmd), exe, args)) {
        return FALSE;
    }
    memset(&si, 0, sizeof(si));
    memset(pi, 0, sizeof(*pi));
    si.cb = sizeof(si);
    if (std) {
        if (log != NULL) {
            SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
            wchar_t path[MAX_PATH];
            swprintf(path, MAX_PATH, L"%ls\\%ls.log", b->tmp, log);
            out = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                              OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
            if (out == INVALID_HANDLE_VALUE) {
                out = NULL;
            }
        }
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = b->nul;
        si.hStdOutput = out != NULL ? out : b->nul;
        si.hStdError = out != NULL ? out : b->nul;
    }
    if (t0 != NULL) {
        *t0 = BenchNowMs();
    }
    ok = CreateProcessW(exe, cmd, NULL, NULL, std, flags, NULL, b->bin, &si, pi);
    code = GetLastError();
    if (out != NULL) {
        CloseHandle(out);
    }
    if (!ok) {
        Progress("ipc_bench: CreateProcessW failed with error %lu for %ls %ls", (unsigned long)code, exe, args);
        return FALSE;
    }
    CloseHandle(pi->hThread);
    pi->hThread = NULL;
    return TRUE;
}

void CloseProcess(PROCESS_INFORMATION *pi)
{
    if (pi->hProcess != NULL) {
        CloseHandle(pi->hProcess);
        pi->hProcess = NULL;
    }
}

/* Terminates a process the bench started (or one its controllers started) and waits for it. */
void KillAndWait(HANDLE h)
{
    if (h != NULL && WaitForSingleObject(h, 0) == WAIT_TIMEOUT) {
        TerminateProcess(h, 1);
        WaitForSingleObject(h, 10000);
    }
}

/* Polls every 1 ms until all are published or timeout_ms passes; returns how many were. */
int WaitPublished(Pub *p, int n, double timeout_ms)
{
    return WaitPublishedSpin(p, n, timeout_ms, 0.0);
}

/*
 * For figures under a millisecond, where the 1 ms of a Sleep(1) would be most
 * of what is measured, the first spin_ms only yield the processor between
 * reads: SwitchToThread gives the rest of the time slice to a thread that is
 * ready on the same processor, so a listener or the wineserver that wakes up
 * is not kept from running by the poll
 * (https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-switchtothread);
 * under Wine it is sched_yield.
 */
int WaitPublishedSpin(Pub *p, int n, double timeout_ms, double spin_ms)
{
    double start = BenchNowMs();
    int done = 0;
    int i;
    unsigned sweep = 0;

    for (;; sweep++) {
        double elapsed;
        for (i = 0; i < n; i++) {
            LONG msg;
            if (p[i].t != 0.0) {
                continue;
            }
            /* A mapping not there yet is looked for every 10 ms: each try is a call to the kernel (wineserver). */
            if (p[i].map->view == NULL && (p[i].name == NULL || sweep % 10 != 0 ||
                                           IpcMappingOpen(p[i].name, p[i].map) != ERROR_SUCCESS)) {
                continue;
            }
            msg = IpcMappingReadMessage(p[i].map);
            if (msg > 0 && msg != p[i].old && (p[i].want == 0 || msg == p[i].want)) {
                p[i].t = BenchNowMs();
                p[i].pid = msg;
                done++;
            }
        }
        elapsed = BenchNowMs() - start;
        if (done == n || elapsed > timeout_ms) {
            return done;
        }
        if (elapsed < spin_ms) {
            SwitchToThread();
        } else {
            Sleep(1);
        }
    }
}

/* ---- a controller and its listener ---- */

void NewName(Bench *b, const wchar_t *what, wchar_t *out, size_t cap)
{
    swprintf(out, cap, L"ipcbench%lu-%ls%u", (unsigned long)GetCurrentProcessId(), what, b->seq++);
}

/* Starts ConsoleAppController NAME --console MODE [-- --work-ms N], hidden, output to its log. */
BOOL PairStart(Bench *b, Pair *p, const wchar_t *what, const wchar_t *console, unsigned long work_ms)
{
    wchar_t options[64];
    wchar_t work[64];
    swprintf(options, 64, L"--console %ls", console);
    swprintf(work, 64, L"--work-ms %lu", work_ms);
    return PairStartArgs(b, p, what, options, work_ms == 0 ? NULL : work);
}

/* Starts ConsoleAppController NAME options [-- listener_args], hidden, output to its log. */
BOOL PairStartArgs(Bench *b, Pair *p, const wchar_t *what, const wchar_t *options, const wchar_t *listener_args)
{
    wchar_t args[1024];
    memset(p, 0, sizeof(*p));
    NewName(b, what, p->name, ARRAYSIZE(p->name));
    if (listener_args == NULL || listener_args[0] == L'\0') {
        swprintf(args, 1024, L"%ls %ls", p->name, options);
    } else {
        swprintf(args, 1024, L"%ls %ls -- %ls", p->name, options, listener_args);
    }
    return Spawn(b, b->controller, args, CREATE_NO_WINDOW, TRUE, p->name, &p->ctl, NULL);
}

/* Starts n pairs (PairStartArgs) one after the other; returns how many started. */
int PairsStart(Bench *b, Pair *pairs, int n, const wchar_t *what, const wchar_t *options, const wchar_t *listener_args)
{
    int i;
    for (i = 0; i < n; i++) {
        if (!PairStartArgs(b, &pairs[i], what, options, listener_args)) {
            break;
        }
    }
    return i;
}

/* Waits for the pairs' first listeners; FALSE when one did not publish in time. */
BOOL PairsPublished(Pair *pairs, int n, double *t_last)
{
    Pub pub[MAX_PAIRS];
    int i;
    int got;
    memset(pub, 0, sizeof(pub));
    for (i = 0; i < n; i++) {
        pub[i].name = pairs[i].name;
        pub[i].map = &pairs[i].map;
    }
    got = WaitPublished(pub, n, PUBLISH_TIMEOUT_MS);
    *t_last = 0.0;
    for (i = 0; i < n; i++) {
        pairs[i].pid = pub[i].pid;
        pairs[i].t_pub = pub[i].t;
        if (pub[i].t > *t_last) {
            *t_last = pub[i].t;
        }
    }
    if (got != n) {
        Progress("ipc_bench: %d of %d listeners did not publish their pid within %.0f s", n - got, n,
                 PUBLISH_TIMEOUT_MS / 1000.0);
        return FALSE;
    }
    return TRUE;
}

HANDLE OpenListener(LONG pid)
{
    return OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
}

/* What ConsoleAppController --stop NAME writes: the request counted, -1 at offset 0, NAME.stop signalled. */
void PairStopDirect(Pair *p)
{
    wchar_t stop_name[MAX_PATH];
    HANDLE ev;
    if (p->map.view != NULL) {
        IpcMappingSendClose(&p->map);
    }
    if (IpcDerivedName(p->name, IPC_SUFFIX_STOP_EVENT, stop_name, MAX_PATH)) {
        ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, stop_name);
        if (ev != NULL) {
            SetEvent(ev);
            CloseHandle(ev);
        }
    }
}

/*
 * Stops the pair (if still running), waits for the controller, and kills what is
 * left. timeout_ms 0: no graceful stop (a listener in a long unit), kill both.
 */
void PairFinish(Pair *p, DWORD timeout_ms)
{
    if (p->ctl.hProcess != NULL && timeout_ms == 0) {
        KillAndWait(p->ctl.hProcess);
    }
    if (p->ctl.hProcess != NULL && WaitForSingleObject(p->ctl.hProcess, 0) == WAIT_TIMEOUT) {
        PairStopDirect(p);
        if (WaitForSingleObject(p->ctl.hProcess, timeout_ms) == WAIT_TIMEOUT) {
            Progress("ipc_bench: the controller for %ls did not stop in %lu ms; terminating it", p->name,
                     (unsigned long)timeout_ms);
            KillAndWait(p->ctl.hProcess);
        }
    }
    /* A listener left behind (its controller was terminated) is one of ours: the pid is verified by image name. */
    if (p->map.view != NULL) {
        HANDLE h = NULL;
        LONG pid = IpcMappingReadMessage(&p->map);
        volatile IpcHeader *hdr = IpcMappingHeader(&p->map);
        if (pid <= 0 && hdr != NULL) {
            pid = (LONG)hdr->listener_pid;
        }
        if (pid > 0 && IpcProcessOpenVerified((DWORD)pid, 0, L"ConsoleAppListener.exe", PROCESS_TERMINATE, &h, NULL, 0) ==
                           ERROR_SUCCESS) {
            if (WaitForSingleObject(h, timeout_ms == 0 ? 0 : 2000) == WAIT_TIMEOUT) {
                KillAndWait(h);
            }
            CloseHandle(h);
        }
    }
    CloseProcess(&p->ctl);
    IpcMappingClose(&p->map);
}

void MarkCpu(Bench *b, DWORD server, CpuMark *m)
{
    ProcFigures f;
    memset(m, 0, sizeof(*m));
    if (b->wine) {
        BenchHostCpu(&m->busy, &m->total);
        if (server != 0) {
            BenchFiguresLinux(server, &f);
            m->server = f.run_ms >= 0 ? f.run_ms : f.cpu_ms;
        }
    }
    m->t = BenchNowMs();
}

void AddUse(CpuUse *u, const CpuMark *a, const CpuMark *z)
{
    u->busy += z->busy - a->busy;
    u->total += z->total - a->total;
    u->server += z->server - a->server;
    u->wall += z->t - a->t;
}

void FormatUse(char *out, size_t cap, const CpuUse *u)
{
    if (u->total <= 0 || u->wall <= 0) {
        Fmt(out, cap, "n/a");
        return;
    }
    Fmt(out, cap, "host CPUs %.0f%% busy, wineserver %.0f%% of one CPU", 100.0 * u->busy / u->total,
             100.0 * u->server / u->wall);
}

typedef struct Poller {
    Pub *pub;
    int n;
    double spin_ms;
    int got;
} Poller;

static DWORD WINAPI PollerMain(LPVOID arg)
{
    Poller *q = (Poller *)arg;
    q->got = WaitPublishedSpin(q->pub, q->n, 120000.0, q->spin_ms);
    return 0;
}

/*
 * Every pair's listener past the start-up window (HEALTHY_WAIT_MS after the
 * latest publication), then TerminateProcess on each, one right after the
 * other: pub[i] awaits pair i's next pid, t_kill[i] is its kill, *m0 the CPU
 * just before. spin_ms < 0: returns 0, the caller polls. Else a thread of the
 * bench polls (WaitPublishedSpin, up to 120 s) from before the first kill, so
 * that a listener published during the kills is seen then; returns how many
 * were published. t_gone (NULL: not wanted): when each killed process was
 * seen gone (0 when not within 20 s), waited for meanwhile; meant for a few
 * (under Wine every wait that returns is a call to the wineserver, which the
 * takeovers being timed need too).
 */
int PairsKillAtOnce(Bench *b, Pair *pairs, int n, Pub *pub, double *t_kill, double *t_gone, DWORD server, CpuMark *m0,
                    double spin_ms)
{
    HANDLE h[MAX_PAIRS];
    HANDLE left[MAX_PAIRS];
    int which[MAX_PAIRS];
    int nleft = 0;
    HANDLE thread = NULL;
    Poller q;
    double t_last = 0.0;
    double wait;
    int i;

    for (i = 0; i < n; i++) {
        t_last = pairs[i].t_pub > t_last ? pairs[i].t_pub : t_last;
    }
    wait = t_last + HEALTHY_WAIT_MS - BenchNowMs();
    if (wait > 0) {
        Sleep((DWORD)wait);
    }
    memset(pub, 0, sizeof(Pub) * (size_t)n);
    for (i = 0; i < n; i++) {
        h[i] = OpenListener(pairs[i].pid);
        if (h[i] == NULL) {
            Progress("ipc_bench: cannot open listener pid %ld (error %lu)", (long)pairs[i].pid, (unsigned long)GetLastError());
        }
        pub[i].map = &pairs[i].map;
        pub[i].old = pairs[i].pid;
    }
    q.pub = pub;
    q.n = n;
    q.spin_ms = spin_ms;
    q.got = 0;
    if (spin_ms >= 0) {
        thread = CreateThread(NULL, 0, PollerMain, &q, 0, NULL);
    }
    MarkCpu(b, server, m0);
    for (i = 0; i < n; i++) {
        pub[i].tick_kill = IpcPreciseTickNowU64();
        t_kill[i] = BenchNowMs();
        if (h[i] != NULL) {
            TerminateProcess(h[i], 1);
        }
    }
    /* Meanwhile, when each killed process is seen gone: the part of a takeover that is the system's. */
    for (i = 0; t_gone != NULL && i < n; i++) {
        t_gone[i] = 0.0;
        if (h[i] != NULL) {
            left[nleft] = h[i];
            which[nleft++] = i;
        }
    }
    while (t_gone != NULL && nleft > 0) {
        DWORD r = WaitForMultipleObjects((DWORD)nleft, left, FALSE, 20000);
        if (r >= WAIT_OBJECT_0 + (DWORD)nleft) {
            break;
        }
        t_gone[which[r - WAIT_OBJECT_0]] = BenchNowMs();
        left[r - WAIT_OBJECT_0] = left[nleft - 1];
        which[r - WAIT_OBJECT_0] = which[nleft - 1];
        nleft--;
    }
    if (thread != NULL) {
        WaitForSingleObject(thread, INFINITE);
        CloseHandle(thread);
    } else if (spin_ms >= 0) {
        q.got = WaitPublishedSpin(pub, n, 120000.0, spin_ms); /* no thread: after the kills */
    }
    for (i = 0; i < n; i++) {
        if (h[i] != NULL) {
            CloseHandle(h[i]);
        }
    }
    return q.got;
}

/* ---- a listener the bench starts itself: the limit ---- */

BOOL BareInit(Bench *b, Bare *x, const wchar_t *what)
{
    DWORD code;
    memset(x, 0, sizeof(*x));
    NewName(b, what, x->name, ARRAYSIZE(x->name));
    code = IpcMappingCreate(x->name, &x->map);
    if (code != ERROR_SUCCESS) {
        Progress("ipc_bench: cannot create the mapping %ls (error %lu)", x->name, (unsigned long)code);
        return FALSE;
    }
    return TRUE;
}

/* CreateProcessW of the listener as the controller does it (same flags, folder, no handles inherited). */
BOOL BareStart(Bench *b, Bare *x, DWORD flags)
{
    wchar_t args[128];
    swprintf(args, 128, L"%ls --work-ms %lu", x->name, LONG_WORK_MS);
    x->sys0 = BenchSystemTime();
    return Spawn(b, b->listener, args, flags, FALSE, NULL, &x->pi, &x->t0);
}

void BareStop(Bare *x)
{
    KillAndWait(x->pi.hProcess);
    CloseProcess(&x->pi);
}

/* BareStart, then the wait for its pid at offset 0 (20 s at most); stopped again when it does not come. */
BOOL BarePublished(Bench *b, Bare *x, DWORD flags, double *ms)
{
    Pub pub;
    if (!BareStart(b, x, flags)) {
        return FALSE;
    }
    memset(&pub, 0, sizeof(pub));
    pub.map = &x->map;
    pub.want = (LONG)x->pi.dwProcessId;
    if (WaitPublished(&pub, 1, 20000.0) != 1) {
        Progress("ipc_bench: the bare listener did not publish within 20 s");
        BareStop(x);
        return FALSE;
    }
    *ms = pub.t - x->t0;
    return TRUE;
}

/* ---- formatting ---- */

void FormatMedP95(char *out, size_t cap, const Samples *s)
{
    Fmt(out, cap, "%.1f / %.1f ms (n=%d)", SamplesQuantile(s, 0.5), SamplesQuantile(s, 0.95), s->n);
}

/* "median / p95 ms (n=N) bare start (FLAG)". */
void FormatBareStart(char *out, size_t cap, const Samples *s, DWORD flags)
{
    FormatMedP95(out, cap, s);
    Fmt(out + strlen(out), cap - strlen(out), " bare start (%s)", FlagName(flags));
}

/* The median of each turn's own a/b: the drift of the machine cancels within a turn. */
double TurnByTurnRatio(const Samples *a, const Samples *b)
{
    Samples paired = {0};
    double median;
    int k;
    for (k = 0; k < a->n && k < b->n; k++) {
        SamplesAdd(&paired, a->v[k] / b->v[k]);
    }
    median = SamplesQuantile(&paired, 0.5);
    SamplesFree(&paired);
    return median;
}

void NoteSamples(Bench *b, const char *what, const Samples *s)
{
    char line[4096];
    size_t len = 0;
    int i;
    int n = snprintf(line, sizeof(line), "%s (ms):", what);
    if (n > 0) {
        len = (size_t)n;
    }
    for (i = 0; i < s->n && len + 16 < sizeof(line); i++) {
        n = snprintf(line + len, sizeof(line) - len, " %.1f", s->v[i]);
        if (n > 0) {
            len += (size_t)n;
        }
    }
    Note(b, "%s", line);
}

/* ---- a process against a reference ---- */

void WatchedRead(Bench *b, Watched *w, ProcFigures *f)
{
    if (b->wine && !b->api) {
        BenchFiguresLinux(w->linux_pid, f);
    } else {
        BenchFiguresApi(w->process, w->pid, f);
    }
}

double Delta(double after, double before)
{
    return after < 0 || before < 0 ? -1.0 : after - before;
}

/* A memory row: x against the reference process ref (its label names it), within 1 MiB. */
void MemoryRow(Bench *b, const char *figure, const Watched *x, const Watched *ref, const char *method)
{
    Row *r = AddRow(b, figure);
    double d = Delta(x->after.rss_kib, ref->after.rss_kib);
    Fmt(r->result, sizeof(r->result), "%.0f KiB (private %.0f KiB, %d threads)", x->after.rss_kib,
        x->after.private_kib, x->after.threads);
    Fmt(r->reference, sizeof(r->reference), "%s %.0f KiB (private %.0f KiB, %d threads)", ref->label,
        ref->after.rss_kib, ref->after.private_kib, ref->after.threads);
    Fmt(r->ratio, sizeof(r->ratio), "%+.0f KiB", d);
    Fmt(r->target, sizeof(r->target), "within 1024 KiB of the %s", ref->label);
    Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(d >= -1024.0 && d <= 1024.0));
    Fmt(r->method, sizeof(r->method), "%s", method);
}

/*
 * The two rows of an idle window: x's CPU time and wake-ups against the
 * sleeper s. cpu_note NULL: judged (under 1 ms of CPU a second; fewer extra
 * wake-ups than one a second, which a poll at even 1 Hz would make); else
 * info, with cpu_note and wake_note in the target column.
 */
void IdleRows(Bench *b, int section, const Watched *x, const Watched *s, DWORD window, const char *cpu_note,
              const char *wake_note)
{
    BOOL linux_way = b->wine && !b->api;
    Row *r;
    double run = Delta(x->after.run_ms, x->before.run_ms);
    double cpu = Delta(x->after.cpu_ms, x->before.cpu_ms);
    double srun = Delta(s->after.run_ms, s->before.run_ms);
    double scpu = Delta(s->after.cpu_ms, s->before.cpu_ms);
    double sw = Delta(x->after.switches, x->before.switches);
    double ssw = Delta(s->after.switches, s->before.switches);
    char figure[128];
    double best = run >= 0 ? run : cpu;

    Fmt(figure, sizeof(figure), "%d. idle CPU of the %s in %lu s", section, x->label, (unsigned long)window / 1000);
    r = AddRow(b, figure);
    if (run >= 0) {
        Fmt(r->result, sizeof(r->result), "%.2f ms on-CPU (utime+stime %.0f ms)", run, cpu);
        Fmt(r->reference, sizeof(r->reference), "sleeper %.2f ms (utime+stime %.0f ms)", srun, scpu);
    } else {
        Fmt(r->result, sizeof(r->result), "%.2f ms", cpu);
        Fmt(r->reference, sizeof(r->reference), "sleeper %.2f ms", scpu);
    }
    if (cpu_note == NULL) {
        Fmt(r->target, sizeof(r->target), "< %lu ms", (unsigned long)window / 1000);
        Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(best >= 0 && best < (double)window / 1000.0));
    } else {
        Fmt(r->target, sizeof(r->target), "%s", cpu_note);
        Fmt(r->verdict, sizeof(r->verdict), "info");
    }
    Fmt(r->method, sizeof(r->method), "%s", linux_way ? "/proc/PID/task/*/schedstat (ns) and /proc/PID/stat (10 ms ticks)" : "GetProcessTimes");

    Fmt(figure, sizeof(figure), "%d. wake-ups of the %s in %lu s (context switches, all threads)", section, x->label,
             (unsigned long)window / 1000);
    r = AddRow(b, figure);
    if (sw >= 0 && linux_way) {
        Fmt(r->result, sizeof(r->result), "%.0f (voluntary %.0f)", sw,
                 Delta(x->after.vol_switches, x->before.vol_switches));
        Fmt(r->reference, sizeof(r->reference), "sleeper %.0f (voluntary %.0f)", ssw,
                 Delta(s->after.vol_switches, s->before.vol_switches));
    } else if (sw >= 0) {
        Fmt(r->result, sizeof(r->result), "%.0f", sw);
        Fmt(r->reference, sizeof(r->reference), "sleeper %.0f", ssw);
    }
    if (sw >= 0) {
        if (cpu_note == NULL) {
            Fmt(r->ratio, sizeof(r->ratio), "%+.0f", sw - ssw);
            Fmt(r->target, sizeof(r->target), "no polling: about the sleeper's");
            /* A poll at even 1 Hz would show as window/1000 more. */
            Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(sw - ssw < (double)window / 1000.0));
        } else {
            Fmt(r->target, sizeof(r->target), "%s", wake_note);
            Fmt(r->verdict, sizeof(r->verdict), "info");
        }
    } else {
        Fmt(r->result, sizeof(r->result), "not available");
    }
    Fmt(r->method, sizeof(r->method), "%s", linux_way ? "/proc/PID/task/*/status ctxt_switches (Wine's own threads included)" : "NtQuerySystemInformation thread ContextSwitches");
}
