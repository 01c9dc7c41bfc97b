#!/usr/bin/env python3
"""Second, independent implementation of the Rightsize v1 prediction math (spec §6) and matching rule (§7).

Standard library only. It recomputes the expected value of every vector in test-vectors.json from its inputs:
  python3 spec/v1/tools/vectors.py            check (exit 1 on any difference beyond the vector's tolerance)
  python3 spec/v1/tools/vectors.py --write    rewrite the expected values of the computed vectors (after changing
                                              inputs); hand-derived vectors (with a `derivation`) are never rewritten
The TypeScript SDK is checked against the same file, so the two implementations check each other.
"""
import hashlib
import json
import math
import os
import sys

Z = {50: 0.0, 90: 1.2815515655446004, 95: 1.6448536269514722, 99: 2.3263478740408408}

def Phi(x): return 0.5 * math.erfc(-x / math.sqrt(2))
def sig(x): return 1/(1+math.exp(-x))

def pcap(a, k, pmax, c): return pmax * sig(k*(a-c))

SIG_EPS = 1e-6
RANGE = 8.5


def exp_success(a, k, pmax, mu, s, upper=math.inf, kappa=None):
    """E[P_cap(c) 1(c <= upper)], c ~ N(mu, s^2); below 1e-6 the cut is taken at sigma 1e-6 (spec 6.2 (5)).
    With kappa (a soft cut, spec 4.2): E[P_cap(c) sig(kappa (upper - c))]."""
    if upper == -math.inf: return 0.0
    s = 0 if s < SIG_EPS else s
    if kappa is not None and upper != math.inf:
        if s == 0: return pcap(a,k,pmax,mu) * sig(kappa*(upper-mu))
        n = 40000; lo = mu - 12*s; h = 24*s/n; tot = 0.0
        for i in range(n):
            c = lo + (i+0.5)*h
            tot += pcap(a,k,pmax,c) * sig(kappa*(upper-c)) * math.exp(-0.5*((c-mu)/s)**2)/(s*math.sqrt(2*math.pi))
        return tot*h
    if s == 0:
        return pcap(a,k,pmax,mu) * (1.0 if upper == math.inf else Phi((upper-mu)/SIG_EPS))
    # high-accuracy integration: midpoint with many points over +-12 sigma
    lo, hi = mu - 12*s, min(mu + 12*s, upper)
    if hi <= lo: return 0.0
    n = 40000; h = (hi-lo)/n; tot = 0.0
    for i in range(n):
        c = lo + (i+0.5)*h
        tot += pcap(a,k,pmax,c) * math.exp(-0.5*((c-mu)/s)**2)/(s*math.sqrt(2*math.pi))
    return tot*h

def cap_ceiling(a,k,pmax,r):
    if r >= pmax: return None
    if r <= 0: return math.inf
    q = r/pmax
    return a - math.log(q/(1-q))/k

def exp_reason(t, B, mu, s, reasons=True):
    if not reasons or B <= 0: return 0.0
    s = 0 if s < SIG_EPS else s
    if s == 0: return min(t*2**mu, B)
    m = math.log(t) + mu*math.log(2); ss = s*math.log(2)
    mean = math.exp(m + ss*ss/2)
    if B == math.inf: return mean
    lnB = math.log(B)
    return mean*Phi((lnB-m-ss*ss)/ss) + B*(1-Phi((lnB-m)/ss))

def ttft_z(tt, z):
    p50, p95 = tt['p50'], max(tt['p95'], tt['p50'])
    if p50 <= 0: return p95*max(0.0, z)/Z[95]
    return p50*(p95/p50)**(z/Z[95])

def ttft(tt, q): return ttft_z(tt, Z[q])

DEF = dict(slope=2, pmax=1, tps=24, out=256, inp=0, minS=0.8, q=95)

def curve(dc): return (dc['ability'], dc.get('slope',2), dc.get('pMax',1))
def rparams(r):
    return (r['mode'] != 'none', r.get('tokensPerStep',24), r.get('maxReasoningTokens', math.inf))
def c_of_tokens(B, t): return math.log2(B/t) if B > 0 else -math.inf
def cB(rp):
    reasons,t,B = rp
    return c_of_tokens(B, t) if reasons else math.inf
def rtok(rp, c):
    reasons,t,B = rp
    return min(t*2**c, B) if reasons else 0.0

def service_ms(profile):
    cap = profile.get('capacity', {})
    if 'meanServiceMs' in cap: return cap['meanServiceMs']
    lat = profile['latency']; rp = rparams(profile['reasoning'])
    rate = profile['reasoning'].get('reasoningTokensPerSecond', lat['outputTokensPerSecond'])
    return lat.get('overheadMs',0) + ttft_z(lat['ttftMs'], 0) + 1000*rtok(rp, 4)/rate + 1000*256/lat['outputTokensPerSecond']

def base_latency(profile, inp, out, net=None, load=0, broker=0):
    """L0 (everything but reasoning) to the first token as a function of one normal score z, and the time after it."""
    net = net or {}
    remote = profile['placement']['placement'] != 'device'
    lf = 1/(1-net.get('lossRate',0))
    nmean = (net.get('rttMs',0) + profile['latency'].get('networkRttMs',0))*lf if remote else 0
    nsd = net.get('jitterMs',0)*lf if remote else 0
    up = (net.get('uplinkKbps') or net.get('bandwidthKbps')) if remote else None
    down = (net.get('downlinkKbps') or net.get('bandwidthKbps')) if remote else None
    tin = 32*inp/up if up else 0
    tout = 32*out/down if down else 0
    lat = profile['latency']
    prefill = 1000*inp/lat['inputTokensPerSecond'] if lat.get('inputTokensPerSecond') else 0
    cap = profile.get('capacity',{}).get('maxConcurrentTasks', math.inf)
    queue = (load-cap+1)*service_ms(profile)/cap if load >= cap else 0
    fixed = broker + tin + queue + lat.get('overheadMs',0) + prefill
    gen = 1000*out/lat['outputTokensPerSecond']
    g = lambda z: fixed + nmean + nsd*z + ttft_z(lat['ttftMs'], z)
    return g, gen + tout, gen, tout

def latency(profile, mu, s, q, inp, out, net=None, load=0, broker=0, budget=math.inf):
    z = Z[q]
    s = 0 if s < SIG_EPS else s
    g, after, _, _ = base_latency(profile, inp, out, net, load, broker)
    reasons, t, B = rparams(profile['reasoning'])
    rrate = profile['reasoning'].get('reasoningTokensPerSecond', profile['latency']['outputTokensPerSecond'])
    reas = 1000*rtok((reasons, t, min(B, budget)), mu + z*s)/rrate
    first = g(z) + reas
    return dict(firstResponseMs=first, completionMs=first+after)

def cdf_l0(g, x):
    """P(L0 <= x) = Phi(z*), z* the largest z in [-8.5, 8.5] with g(z) <= x (spec 6.6 (2))."""
    if x == math.inf: return 1.0
    lo, hi = -RANGE, RANGE
    if g(hi) <= x: return 1.0
    if g(lo) > x: return 0.0
    for _ in range(200):
        mid = (lo+hi)/2
        if g(mid) <= x: lo = mid
        else: hi = mid
        if hi - lo < 1e-13: break
    return Phi(lo)

def deadline_success(a, k, pmax, mu, s, reasons, t, budget, rrate, g, dl, kappa=None):
    """P_D = int P_cap(c) 1(c <= c_cut) F_L0(D' - T_R(c)) phi dc (spec 6.6 (4)), by a midpoint rule in c."""
    cut = c_of_tokens(budget, t) if reasons else math.inf
    if dl == math.inf: return exp_success(a,k,pmax,mu,s,cut,kappa)
    if not reasons: return exp_success(a,k,pmax,mu,s)*cdf_l0(g, dl)
    if cut == -math.inf: return 0.0
    tr = lambda c: 1000*t*2**c/rrate
    s = 0 if s < SIG_EPS else s
    if kappa is not None and cut != math.inf:
        f = lambda c: pcap(a,k,pmax,c) * sig(kappa*(cut-c)) * cdf_l0(g, dl - tr(min(c, cut)))
        if s == 0: return f(mu)
        n = 6000; lo = mu - RANGE*s; h = 2*RANGE*s/n; tot = 0.0
        for i in range(n):
            c = lo + (i+0.5)*h
            tot += f(c) * math.exp(-0.5*((c-mu)/s)**2)/(s*math.sqrt(2*math.pi))
        return tot*h
    if s == 0: return exp_success(a,k,pmax,mu,0,cut)*cdf_l0(g, dl - tr(mu))
    lo, hi = mu - RANGE*s, min(mu + RANGE*s, cut)
    if hi <= lo: return 0.0
    n = 6000; h = (hi-lo)/n; tot = 0.0
    for i in range(n):
        c = lo + (i+0.5)*h
        tot += pcap(a,k,pmax,c) * math.exp(-0.5*((c-mu)/s)**2)/(s*math.sqrt(2*math.pi)) * cdf_l0(g, dl - tr(c))
    return tot*h

def cost(c, i, o, r):
    return (i*c.get('inputPerMillion',0) + o*c.get('outputPerMillion',0) + r*c.get('reasoningPerMillion',0))/1e6 + c.get('perTask',0)

def modes_match(o, w):
    if o == w or o == '*/*' or w == '*/*': return True
    ot, os_ = o.split('/'); wt, ws = w.split('/')
    return ot == wt and (os_ == '*' or ws == '*')

SOURCE_SIGMA = {'declared': 0.5, 'estimated': 1.5, 'measured': 0.5}
PRIORS = {'general': (3, 2), 'dialogue': (1, 1), 'retrieval': (3, 1.5), 'extraction': (3, 1.5), 'math': (5, 2), 'code': (6, 2), 'planning': (6, 2.5)}

def resolve(d):
    """Spec 5.2: precision-weighted combination of the stated estimates, else the domain's prior."""
    ev = []
    if 'complexity' in d:
        cx = d['complexity']; ev.append((cx['value'], cx.get('sigma', SOURCE_SIGMA[cx.get('source', 'declared')])))
    if 'reasoningTokens' in d:
        rt = d['reasoningTokens']; ev.append((min(64, max(0, math.log2(rt['value']/rt['tokensPerStep']))), 1.0))
    if not ev: return PRIORS.get(d['domain'], PRIORS['general'])
    if len(ev) == 1: return ev[0]
    exact = [v for v, sg in ev if sg < SIG_EPS]
    if exact: return (sum(exact)/len(exact), 0.0)
    w = sum(1/sg**2 for _, sg in ev)
    return (min(64, max(0, sum(v/sg**2 for v, sg in ev)/w)), 1/math.sqrt(w))

def match(task, cands, policy=None):
    policy = policy or {}
    d = task['descriptor']; c = d.get('constraints', {})
    mu, s = resolve(d)
    q = c.get('latencyPercentile',95); minS = c.get('minSuccess',0.8)
    inp = d.get('inputTokens',0); out = d.get('outputTokens',256)
    cur = c.get('maxCost',{}).get('currency') or policy.get('currency','USD')
    pref = d.get('preference','cost')
    res = []
    for cand in cands:
        prof0 = cand['profile']; skill = None; skill_missing = False
        if 'skill' in d:
            sk = [x for x in cand.get('skills',[]) if x['id']==d['skill']] or [x for x in cand.get('skills',[]) if d['skill'] in x['tags']]
            if not sk: skill_missing = True
            else:
                skill = sk[0]
                ov = prof0.get('skills',{}).get(skill['id'])
                if ov: prof0 = {**prof0, **ov}
        modes = prof0.get('modes')
        if modes:
            declared = [m for m in ('no-think', 'think') if m in modes]
            offered = [m for m in declared if d.get('mode') in (None, m)] or declared[:1]
            variants = []
            for m in offered:
                base = {k: v for k, v in prof0.items() if k != 'modes'}
                ov = modes[m]
                pm = {**base, **ov}
                pm['reasoning'] = {**ov.get('reasoning', base['reasoning']), 'mode': 'none' if m == 'no-think' else 'thinking'}
                variants.append((m, pm))
        else:
            variants = [(None, prof0)]
        for label, prof in variants:
            reasons = ['SKILL_UNAVAILABLE'] if skill_missing else []
            offered_mode = label or ('no-think' if prof['reasoning']['mode'] == 'none' else 'think')
            if d.get('mode') is not None and d['mode'] != offered_mode: reasons.append('MODE_UNAVAILABLE')
            if cand.get('available') is False: reasons.append('AGENT_UNAVAILABLE')
            dc = next((x for x in prof['domains'] if x['domain']==d['domain']), None) or next((x for x in prof['domains'] if x['domain']=='general'), None)
            if not dc: reasons.append('DOMAIN_UNSUPPORTED')
            window = prof.get('contextWindowTokens', math.inf) - inp - out
            if window < 0: reasons.append('CONTEXT_WINDOW_EXCEEDED')
            rp = rparams(prof['reasoning']); on, t, B = rp
            rrate = prof['reasoning'].get('reasoningTokensPerSecond', prof['latency']['outputTokensPerSecond'])
            g, after, _, _ = base_latency(prof, inp, out, d.get('network'), cand.get('load',0), policy.get('brokerLegMs',0))
            dfirst = c.get('firstResponseDeadlineMs', math.inf); ddone = c.get('completionDeadlineMs', math.inf)
            dl = min(dfirst, ddone - after)
            bd = math.inf if dl == math.inf else max(0.0, rrate*(dl - g(Z[q]))/1000)
            budget = min(B, max(0.0, window), bd) if on else B
            ceil = None
            if dc:
                a,k,pm = curve(dc)
                capS = exp_success(a,k,pm,mu,s)
                bcut = min(cB(rp), c_of_tokens(max(0.0, window), t) if on else math.inf)
                kappa = prof['reasoning'].get('budgetSlope')
                budS = exp_success(a,k,pm,mu,s,bcut,kappa)
                succ = deadline_success(a,k,pm,mu,s,on,t,budget,rrate,g,dl,kappa)
                if succ < minS:
                    if capS < minS: reasons.append('CAPABILITY_CEILING')
                    elif budS < minS: reasons.append('BUDGET_CEILING')
                    else: reasons.append('FIRST_RESPONSE_DEADLINE' if dfirst <= ddone - after else 'COMPLETION_DEADLINE')
                cc = cap_ceiling(a,k,pm,minS)
                if cc is not None:
                    ceil = min(cc, c_of_tokens(budget, t) if on else math.inf)
                    ceil = None if ceil == -math.inf else min(64, ceil)
            else: succ = 0
            lat = latency(prof, mu, s, q, inp, out, d.get('network'), cand.get('load',0), policy.get('brokerLegMs',0), budget)
            er = exp_reason(t, budget, mu, s, on)
            amt = cost(prof['cost'], inp, out, er)
            rate = 1 if prof['cost']['currency']==cur else policy.get('rates',{}).get(prof['cost']['currency'])
            if rate is None: reasons.append('CURRENCY_MISMATCH')
            comp = math.inf if rate is None else amt*rate
            if 'maxCost' in c and rate is not None and comp > c['maxCost']['amount']: reasons.append('COST_CAP')
            if 'allowedPlacements' in c and prof['placement']['placement'] not in c['allowedPlacements']: reasons.append('PLACEMENT_NOT_ALLOWED')
            if 'allowedRegions' in c and prof['placement'].get('region') not in c['allowedRegions']: reasons.append('REGION_NOT_ALLOWED')
            im = (skill or {}).get('inputModes') or cand.get('defaultInputModes')
            om = (skill or {}).get('outputModes') or cand.get('defaultOutputModes')
            ti = task.get('inputModes') or []; ao = task.get('acceptedOutputModes') or []
            ok_in = (not ti) or (not im) or all(any(modes_match(o,m) for o in im) for m in ti)
            ok_out = (not ao) or (not om) or any(any(modes_match(o,m) for m in ao) for o in om)
            if not (ok_in and ok_out): reasons.append('MODALITY_UNSUPPORTED')
            capd = prof.get('capacity')
            if capd and cand.get('load',0) >= capd['maxConcurrentTasks'] + capd.get('queueDepth',0): reasons.append('CAPACITY_EXHAUSTED')
            cps = comp/succ if succ > 0 else math.inf
            res.append(dict(id=cand['id'] + ('/' + label if label else ''), order=(cand['id'], label or ''), reasons=reasons, succ=succ, compl=lat['completionMs'], cps=cps,
                            predictions=dict(success=succ, firstResponseMs=lat['firstResponseMs'], completionMs=lat['completionMs'],
                                             reasoningTokens=er, reasoningBudget=(math.floor(budget) if on and budget != math.inf else None),
                                             cost=amt, costPerSuccess=(amt/succ if succ > 0 else None), effectiveCeiling=ceil)))
    feas = [r for r in res if not r['reasons']]
    # Spec 7.3: keys compared by their cell on a fixed grid (transitive ties): success ceil(1e5*P), cost per success
    # and latency ceil(1e4*ln x), the weighted score ceil(1e4*s); then the id and mode.
    def ceil_(x): return math.ceil(x) if math.isfinite(x) else x
    def cell_p(p): return ceil_(p * 1e5)
    def cell_log(x): return -math.inf if x <= 0 else (math.inf if x == math.inf else ceil_(math.log(x) * 1e4))
    if pref == 'latency': key = lambda r: cell_log(r['compl'])
    elif pref == 'quality': key = lambda r: -cell_p(r['succ'])
    elif pref == 'cost': key = lambda r: cell_log(r['cps'])
    else:
        w = pref['weights']; wc,wl,wq = w.get('cost',0), w.get('latency',0), w.get('quality',0)
        if wc+wl+wq == 0: key = lambda r: cell_log(r['cps'])
        else:
            lg = lambda x, f: math.log(max(x, f)) if x != math.inf else math.inf
            key = lambda r: ceil_((wc*lg(r['cps'],1e-12) + wl*lg(r['compl'],1) - wq*lg(r['succ'],1e-12)) * 1e4)
    def rank_key(r): return (key(r), -cell_p(r['succ']), cell_log(r['compl']), cell_log(r['cps']), r['order'])
    ranked = sorted(feas, key=rank_key)
    sel = []
    if ranked:
        prim = {'cost':'LOWEST_COST_PER_SUCCESS','latency':'LOWEST_LATENCY','quality':'HIGHEST_SUCCESS'}.get(pref if isinstance(pref,str) else '', 'BEST_WEIGHTED_SCORE')
        sel = [prim]
        if len(ranked) > 1 and key(ranked[0]) == key(ranked[1]): sel.append('TIE_BROKEN')
    plan = []
    if ranked:
        plan = [ranked[0]]; el = ranked[0]['compl']; dl = c.get('completionDeadlineMs')
        window = ranked[:16]
        while len(plan) <= policy.get('maxEscalations',2):
            last = plan[-1]
            nxt = next((r for r in window if r not in plan and r['succ'] > last['succ'] and (dl is None or el + r['compl'] <= dl)), None)
            if not nxt: break
            plan.append(nxt); el += nxt['compl']
    def closeness(r):
        # Spec 7.7: fewest reasons, highest effective-ceiling cell ceil(1e5*c) (none is farthest), higher success cell, id.
        c = r['predictions']['effectiveCeiling']
        return (len(r['reasons']), -(-math.inf if c is None else ceil_(c * 1e5)), -cell_p(r['succ']), r['order'])
    rej = sorted([r for r in res if r['reasons']], key=closeness)
    soft = {'CAPABILITY_CEILING', 'BUDGET_CEILING', 'FIRST_RESPONSE_DEADLINE', 'COMPLETION_DEADLINE'}
    fallback = None if ranked or d.get('hardConstraints') else next((r for r in rej if set(r['reasons']) <= soft), None)
    if fallback:
        sel = ['BEST_EFFORT']; plan = [fallback]
    chosen = ranked[0] if ranked else fallback
    return dict(chosen=chosen['id'] if chosen else None, ranking=[r['id'] for r in ranked],
                rejected={r['id']: r['reasons'] for r in res if r['reasons']}, selection=sel, escalation=[r['id'] for r in plan],
                best=rej[0]['id'] if rej and not ranked else None, bestEffort=fallback is not None,
                predictions={r['id']: r['predictions'] for r in res})


def mulberry32(seed):
    state = seed & 0xFFFFFFFF
    def imul(a, b):
        return (a * b) & 0xFFFFFFFF
    def draw():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return draw


def curve_of(c):
    return c['ability'], c.get('slope', 2), c.get('pMax', 1)


# ---- Spec §9.1 task families (generators only: seed -> prompt, solution, complexity) and §9.3-§9.4 calibration ----

def _int(draw):
    return lambda lo, hi: lo + math.floor(draw() * (hi - lo + 1))

def surface_of(seed):
    return _int(mulberry32((seed ^ 0x9E3779B9) & 0xFFFFFFFF))(0, 2)

def _json(x):
    return json.dumps(x, separators=(',', ':'), ensure_ascii=False)

def _merge_sort_steps(n):
    levels = math.ceil(math.log2(n) - 1e-12)
    return max(1, n * levels - 2 ** levels + 1)

STEPS = {
    'hanoi': lambda n: 2 ** n - 1,
    'multiplication': lambda k: 2 * k * k - 1,
    'arithmetic-chain': lambda n: 3 * n,
    'sorting': _merge_sort_steps,
    'kv-extraction': lambda m: 3 * math.ceil(math.log2(m) - 1e-12),
    'list-edits': lambda n: n,
    'fact-chain': lambda h: h,
    'string-rules': lambda n: n,
}

def gen_hanoi(n, seed, form):
    r = _int(mulberry32(seed)); P = 'ABC'
    a = r(0, 2); b = (a + r(1, 2)) % 3; f, t = P[a], P[b]
    moves = []
    def solve(k, x, y, via):
        if k == 0: return
        solve(k - 1, x, via, y); moves.append([P[x], P[y]]); solve(k - 1, via, y, x)
    solve(n, a, b, 3 - a - b)
    prompt = [
        'Tower of Hanoi: %d disks are stacked on peg %s, largest at the bottom. Move them all to peg %s, one disk at a time, never placing a larger disk on a smaller one. Answer with a JSON array of moves, each [from, to], e.g. [["A","C"]].' % (n, f, t),
        'Three pegs A, B and C. Peg %s holds %d disks, smallest on top. Transfer the whole stack to peg %s, moving one disk at a time and never putting a disk on a smaller one. Reply with the moves as a JSON array of [from, to] pairs, for example [["A","B"]].' % (f, n, t),
        'Solve the Tower of Hanoi puzzle with %d disks: they start on peg %s and must end on peg %s (pegs A, B, C). Only one disk moves at a time and no disk may rest on a smaller one. Give the move list as JSON, e.g. [["B","C"],["A","B"]].' % (n, f, t),
    ][form]
    return prompt, _json(moves)

def gen_multiplication(k, seed, form):
    r = _int(mulberry32(seed))
    def factor():
        return int(str(r(1, 9)) + ''.join(str(r(0, 9)) for _ in range(k - 1)))
    a = factor(); b = factor()
    prompt = ['Compute %d × %d. Answer with the exact integer.' % (a, b),
              'What is %d multiplied by %d? Give the exact integer.' % (a, b),
              'Multiply %d by %d and reply with the exact product.' % (a, b)][form]
    return prompt, str(a * b)

def gen_chain(n, seed, form):
    r = _int(mulberry32(seed)); x = start = r(1, 9); ops = []
    for _ in range(n):
        op = '+-*'[r(0, 2)]; d = r(1, 9)
        raw = x + d if op == '+' else x - d if op == '-' else x * d
        x = ((raw % 1000) + 1000) % 1000; ops.append('%s %d' % (op, d))
    o = ', '.join(ops)
    prompt = ['Start with %d. Apply these operations in order, taking the result modulo 1000 (0–999) after each: %s. What is the final value?' % (start, o),
              'x = %d. Apply each of these operations to x in order and reduce the result modulo 1000 (to 0–999) after every step: %s. Report the final x.' % (start, o),
              'Begin at %d. For each operation below, in sequence, update the running value and keep only its remainder modulo 1000 (0 to 999): %s. Which number do you end with?' % (start, o)][form]
    return prompt, str(x)

def gen_sorting(n, seed, form):
    r = _int(mulberry32(seed)); items = [r(0, 9999) for _ in range(n)]; L = _json(items)
    prompt = ['Sort these integers in ascending order and answer with a JSON array: ' + L,
              'Arrange the following numbers from smallest to largest and give the result as a JSON array: ' + L,
              'Here is a list of integers: %s. Return them sorted in ascending order as a JSON array.' % L][form]
    return prompt, _json(sorted(items))

def gen_kv(m, seed, form):
    r = _int(mulberry32(seed)); keys = []; seen = set(); values = []
    while len(keys) < m:
        key = ''.join('abcdefghijklmnopqrstuvwxyz'[r(0, 25)] for _ in range(6))
        if key in seen: continue
        seen.add(key); keys.append(key); values.append(r(0, 99999))
    picks = []
    while len(picks) < 3:
        i = r(0, m - 1)
        if i not in picks: picks.append(i)
    recs = '\n'.join('%s: %d' % (k, v) for k, v in zip(keys, values))
    k1, k2, k3 = (keys[i] for i in picks)
    prompt = ['%s\nReturn the values of %s, %s and %s as a JSON object mapping each key to its value.' % (recs, k1, k2, k3),
              'Records:\n%s\nLook up %s, %s and %s, and answer with a JSON object from each of these keys to its value.' % (recs, k1, k2, k3),
              'Find the values stored under the keys %s, %s and %s in the records below and reply with a JSON object mapping key to value.\n%s' % (k1, k2, k3, recs)][form]
    return prompt, _json({keys[i]: values[i] for i in picks})

ITEMS = ['apples', 'bananas', 'bread', 'butter', 'carrots', 'cheese', 'coffee', 'eggs', 'flour', 'garlic', 'honey', 'lemons',
         'milk', 'onions', 'pasta', 'pears', 'peppers', 'potatoes', 'rice', 'salt', 'soap', 'sugar', 'tea', 'tomatoes']

def gen_list_edits(n, seed, form):
    r = _int(mulberry32(seed)); lst = []; turns = []
    for _ in range(n):
        op = 0 if not lst else r(0, 2)
        if op != 1 and len(lst) == len(ITEMS): op = 1
        absent = [x for x in ITEMS if x not in lst]
        if op == 0:
            item = absent[r(0, len(absent) - 1)]; lst.append(item); turns.append((0, item, None))
        elif op == 1:
            at = r(0, len(lst) - 1); turns.append((1, lst.pop(at), None))
        else:
            at = r(0, len(lst) - 1); by = absent[r(0, len(absent) - 1)]; turns.append((2, lst[at], by)); lst[at] = by
    say = [lambda o, x, y: ['Please add %s.' % x, 'Remove %s.' % x, 'Replace %s with %s.' % (x, y)][o],
           lambda o, x, y: ['Put %s on the list.' % x, 'Take %s off.' % x, 'Swap %s for %s.' % (x, y)][o],
           lambda o, x, y: ['I also need %s.' % x, 'Scratch %s.' % x, 'Instead of %s, get %s.' % (x, y)][o]][form]
    text = '\n'.join('User: ' + say(*t) for t in turns)
    prompt = ['Here is a conversation about a shopping list that starts empty:\n%s\nWhat is on the list now, in order (a replaced item keeps its place, new items go at the end)? Answer with a JSON array of strings.' % text,
              "A user edits an empty shopping list, one message at a time:\n%s\nList the items that remain, in list order (new items are appended; a replacement takes the old item's position), as a JSON array of strings." % text,
              'Track the shopping list through this chat (it begins empty; additions go to the end and a substitute keeps the place of what it replaces):\n%s\nReply with the final list as a JSON array of strings.' % text][form]
    return prompt, _json(lst)

def gen_fact_chain(h, seed, form):
    r = _int(mulberry32(seed)); names = []; seen = set()
    while len(names) < 2 * h + 1:
        nm = ''.join('bdfgklmnprstvz'[r(0, 13)] + 'aeiou'[r(0, 4)] for _ in range(3))
        nm = nm[0].upper() + nm[1:]
        if nm in seen: continue
        seen.add(nm); names.append(nm)
    mentor = [i + 1 if i < h else (r(h + 1, 2 * h) if i == h else r(0, 2 * h)) for i in range(2 * h + 1)]
    order = list(range(2 * h + 1))
    for i in range(len(order) - 1, 0, -1):
        j = r(0, i); order[i], order[j] = order[j], order[i]
    fact = [lambda a, b: "%s's mentor is %s." % (a, b), lambda a, b: '%s manages %s.' % (b, a), lambda a, b: '%s reports to %s.' % (a, b)][form]
    s0 = names[0]
    ask = ['Start with %s and follow the mentor relation %d time(s): whose name do you reach? Answer with the name only.' % (s0, h),
           'Going up from %s, who is %d level(s) of management above? Answer with the name only.' % (s0, h),
           'If you follow the reporting line upward from %s for %d step(s), whom do you reach? Reply with just the name.' % (s0, h)][form]
    return '\n'.join(fact(names[i], names[mentor[i]]) for i in order) + '\n' + ask, names[h]

def gen_string_rules(n, seed, form):
    r = _int(mulberry32(seed)); A = 'abcdefgh'
    w = ''.join(A[r(0, 7)] for _ in range(6)); start = w; rules = []
    for _ in range(n):
        kind = r(0, 4)
        if kind == 4:
            f = A[r(0, 7)]; t = f
            while t == f: t = A[r(0, 7)]
            rules.append((4, f, t)); w = w.replace(f, t)
        else:
            rules.append((kind, None, None))
            w = w[::-1] if kind == 0 else w[1:] + w[0] if kind == 1 else w[-1] + w[:-1] if kind == 2 else w[-1] + w[1:-1] + w[0]
    names = [['reverse it', 'move the first letter to the end', 'move the last letter to the front', 'swap the first and last letters', 'replace every %s with %s'],
             ['write it backwards', 'rotate it left by one letter', 'rotate it right by one letter', 'exchange its first and last letters', 'change each %s into %s'],
             ['reverse the letter order', 'take the first letter off and append it', 'take the last letter off and prepend it', 'swap the two outer letters', 'turn every %s into a %s']][form]
    text = '; '.join('(%d) %s' % (i + 1, names[k] % (f, t) if k == 4 else names[k]) for i, (k, f, t) in enumerate(rules))
    prompt = ['Start with the word "%s". Apply these rules in order: %s. What is the word at the end? Answer with it in double quotes.' % (start, text),
              'Take "%s" and transform it step by step: %s. Give the resulting word in double quotes.' % (start, text),
              'Rewrite the string "%s" by applying, one after another: %s. Reply with the final string in double quotes.' % (start, text)][form]
    return prompt, '"%s"' % w

GENERATORS = {'hanoi': gen_hanoi, 'multiplication': gen_multiplication, 'arithmetic-chain': gen_chain, 'sorting': gen_sorting,
              'kv-extraction': gen_kv, 'list-edits': gen_list_edits, 'fact-chain': gen_fact_chain, 'string-rules': gen_string_rules}

def family_task(i):
    fam, p, seed = i['family'], i['parameter'], i['seed']
    form = surface_of(seed)
    prompt, solution = GENERATORS[fam](p, seed, form)
    return {'promptSha256': hashlib.sha256(prompt.encode('utf-8')).hexdigest(), 'solution': solution,
            'complexity': math.log2(STEPS[fam](p)), 'surface': form}


# Spec §9.3: posterior mode of (a, ln k, logit pMax) by Newton's method on finite-difference derivatives of the log
# posterior (an approach independent of the SDK's Fisher scoring), and the Laplace sigma from the expected information.
PRIOR_SD = (1.5, 0.5, 2.0)

def _prior(decl):
    p = min(0.99, max(0.01, decl.get('pMax', 1)))
    return (decl['ability'], math.log(decl.get('slope', 2)), math.log(p / (1 - p)))

def _sig(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))

def _P(t, c):
    return min(1 - 1e-12, max(1e-12, _sig(t[2]) * _sig(math.exp(t[1]) * (t[0] - c))))

def _logpost(t, data, mu):
    v = 0.0
    for d in data:
        P = _P(t, d['complexity']); v += d['successes'] * math.log(P) + (d['trials'] - d['successes']) * math.log(1 - P)
    return v - sum(0.5 * ((t[i] - mu[i]) / PRIOR_SD[i]) ** 2 for i in range(3))

def _solve3(M, g):
    # Gaussian elimination with partial pivoting
    A = [row[:] + [g[i]] for i, row in enumerate(M)]
    for c in range(3):
        p = max(range(c, 3), key=lambda r: abs(A[r][c])); A[c], A[p] = A[p], A[c]
        for r in range(c + 1, 3):
            f = A[r][c] / A[c][c]
            for k in range(c, 4): A[r][k] -= f * A[c][k]
    x = [0.0] * 3
    for r in (2, 1, 0):
        x[r] = (A[r][3] - sum(A[r][k] * x[k] for k in range(r + 1, 3))) / A[r][r]
    return x

def _fisher(t, data):
    F = [[1 / PRIOR_SD[i] ** 2 if i == j else 0.0 for j in range(3)] for i in range(3)]
    h = 1e-6
    for d in data:
        P = _P(t, d['complexity'])
        dP = []
        for i in range(3):
            tp = list(t); tm = list(t); tp[i] += h; tm[i] -= h
            dP.append((_P(tp, d['complexity']) - _P(tm, d['complexity'])) / (2 * h))
        for i in range(3):
            for j in range(3): F[i][j] += d['trials'] * dP[i] * dP[j] / (P * (1 - P))
    return F

def calibration_fit(decl, data):
    mu = _prior(decl); t = list(mu); h = 1e-4
    for _ in range(500):
        f0 = _logpost(t, data, mu)
        g = []; H = [[0.0] * 3 for _ in range(3)]
        for i in range(3):
            tp = list(t); tm = list(t); tp[i] += h; tm[i] -= h
            g.append((_logpost(tp, data, mu) - _logpost(tm, data, mu)) / (2 * h))
            H[i][i] = (_logpost(tp, data, mu) - 2 * f0 + _logpost(tm, data, mu)) / h ** 2
        for i in range(3):
            for j in range(i + 1, 3):
                tpp = list(t); tpp[i] += h; tpp[j] += h
                tpm = list(t); tpm[i] += h; tpm[j] -= h
                tmp = list(t); tmp[i] -= h; tmp[j] += h
                tmm = list(t); tmm[i] -= h; tmm[j] -= h
                H[i][j] = H[j][i] = (_logpost(tpp, data, mu) - _logpost(tpm, data, mu) - _logpost(tmp, data, mu) + _logpost(tmm, data, mu)) / (4 * h * h)
        try:
            step = _solve3([[-x for x in row] for row in H], g)
        except ZeroDivisionError:
            break
        if _logpost([t[i] + step[i] for i in range(3)], data, mu) < f0:  # not ascending: gradient step instead
            step = [0.1 * x for x in g]
        s = 1.0
        while s > 1e-12 and _logpost([t[i] + s * step[i] for i in range(3)], data, mu) < f0: s /= 2
        t = [t[i] + s * step[i] for i in range(3)]
        if max(abs(s * x) for x in step) < 1e-11: break
    F = _fisher(t, data)
    e0 = _solve3(F, [1.0, 0.0, 0.0])
    return {'ability': t[0], 'slope': math.exp(t[1]), 'pMax': _sig(t[2]), 'abilitySigma': math.sqrt(e0[0])}

def sequential_verdict(decl, outcomes):
    """Spec §9.4: the two e-processes with the declared ability +- 1 and slope, and the pMax refitted after counted
    outcome n = 2^j and every multiple of 1024; verdict at alpha = 0.01."""
    a, k = decl['ability'], decl.get('slope', 2); pm = decl.get('pMax', 1)
    cells = {}; lo = up = 0.0; peak_lo = peak_up = 0.0; n = 0
    cl = lambda p: min(1 - 1e-9, max(1e-9, p))
    for o in outcomes:
        c, y = o['complexity'], 1 if o['success'] else 0
        p0, pl, pu = (cl(pcap(x, k, pm, c)) for x in (a, a - 1, a + 1))
        lr = (lambda p1: math.log(p1 / p0)) if y else (lambda p1: math.log((1 - p1) / (1 - p0)))
        lo += lr(pl); up += lr(pu); peak_lo = max(peak_lo, lo); peak_up = max(peak_up, up)
        key = math.floor(c * 100 + 0.5); cell = cells.setdefault(key, [0, 0]); cell[0] += 1; cell[1] += y; n += 1
        if n % 1024 == 0 or (n & (n - 1)) == 0:
            data = [{'complexity': kk / 100, 'trials': v[0], 'successes': v[1]} for kk, v in cells.items()]
            pm = calibration_fit(decl, data)['pMax']
    thr = math.log(200)
    verdict = 'over-claimed' if peak_lo >= thr else 'under-claimed' if peak_up >= thr else 'insufficient-data' if n < 20 else 'consistent'
    return {'eOverClaim': math.exp(peak_lo), 'eUnderClaim': math.exp(peak_up), 'verdict': verdict}


def compute(v):
    fn, i = v['function'], v['input']
    if fn == 'capabilitySuccess':
        return pcap(*curve_of(i['curve']), i['complexity'])
    if fn == 'expectedSuccess':
        up = i.get('budgetCeiling')
        return exp_success(*curve_of(i['curve']), i['complexity']['value'], i['complexity'].get('sigma', 0), math.inf if up is None else up, i.get('budgetSlope'))
    if fn == 'capabilityCeiling':
        return cap_ceiling(*curve_of(i['curve']), i['reliability'])
    if fn == 'budgetCeiling':
        x = cB(rparams(i['reasoning']))
        return None if x == math.inf else x
    if fn == 'effectiveCeiling':
        cc = cap_ceiling(*curve_of(i['curve']), i['reliability'])
        return None if cc is None else min(cc, cB(rparams(i['reasoning'])))
    if fn == 'expectedReasoningTokens':
        r = rparams(i['reasoning'])
        return exp_reason(r[1], r[2], i['complexity']['value'], i['complexity'].get('sigma', 0), r[0])
    if fn == 'ttft':
        return ttft(i['ttftMs'], i['percentile'])
    if fn == 'latency':
        cx = i['complexity']
        return latency(i['profile'], cx['value'], cx.get('sigma', 0), i['percentile'], i['inputTokens'], i['outputTokens'], i.get('network'), i.get('load', 0), i.get('brokerLegMs', 0), i.get('reasoningBudget', math.inf))
    if fn == 'cost':
        t = i['tokens']
        return cost(i['cost'], t['input'], t['output'], t['reasoning'])
    if fn == 'prng':
        a, b = mulberry32(i['seed']), mulberry32(i['seed'])
        return {'draws': [a() for _ in range(i['count'])], 'int1to6': [1 + math.floor(b() * 6) for _ in range(i['count'])]}
    if fn == 'resolveComplexity':
        d = i['descriptor']; v, sg = resolve(d)
        n = ('complexity' in d) + ('reasoningTokens' in d)
        origin = 'default' if n == 0 else ('combined' if n > 1 else ('descriptor' if 'complexity' in d else 'reasoning-tokens'))
        return {'value': v, 'sigma': sg, 'origin': origin}
    if fn == 'match':
        m = match(i['task'], i['candidates'], i.get('policy'))
        return {k: m[k] for k in ('chosen', 'ranking', 'rejected', 'selection', 'escalation')}
    if fn == 'decision':
        m = match(i['task'], i['candidates'], i.get('policy'))
        return {k: m[k] for k in ('chosen', 'ranking', 'rejected', 'best', 'bestEffort', 'predictions')}
    if fn == 'familyTask':
        return family_task(i)
    if fn == 'calibrationFit':
        return calibration_fit(i['curve'], i['outcomes'])
    if fn == 'sequentialVerdict':
        return sequential_verdict(i['curve'], i['outcomes'])
    raise ValueError('unknown function ' + fn)


def close(actual, expected, tol):
    if isinstance(expected, float) or (isinstance(expected, int) and not isinstance(expected, bool)):
        return isinstance(actual, (int, float)) and abs(actual - expected) <= max(tol['absolute'], tol['relative'] * abs(expected))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and set(actual) == set(expected) and all(close(actual[k], expected[k], tol) for k in expected)
    return actual == expected


def main(argv):
    if '--help' in argv or '-h' in argv:
        print(__doc__)
        return 0
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test-vectors.json')
    with open(path) as f:
        doc = json.load(f)
    failures = 0
    for n, v in enumerate(doc['vectors'], 1):
        actual = compute(v)
        if '--write' in argv:
            # Hand-derived vectors keep the value worked out in their `derivation`: this model is not their answer key.
            if 'derivation' not in v:
                v['expected'] = actual
            continue
        tol = {**doc['defaultTolerance'], **v.get('tolerance', {})}
        if 'expected' not in v or not close(actual, v['expected'], tol):
            failures += 1
            print('MISMATCH %s: computed %s, file says %s' % (v['id'], json.dumps(actual), json.dumps(v.get('expected'))))
        print('[%d/%d] %s' % (n, len(doc['vectors']), v['id']), file=sys.stderr)
    if '--write' in argv:
        with open(path, 'w') as f:
            json.dump(doc, f, indent=2)
            f.write('\n')
        print('wrote %d vectors' % len(doc['vectors']))
        return 0
    print('%d vectors, %d mismatches' % (len(doc['vectors']), failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
