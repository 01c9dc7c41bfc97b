#!/usr/bin/env python3
"""Second, independent implementation of the Rightsize v1 prediction math (spec §6) and matching rule (§7).

Standard library only. It recomputes the expected value of every vector in test-vectors.json from its inputs:
  python3 spec/v1/tools/vectors.py            check (exit 1 on any difference beyond the vector's tolerance)
  python3 spec/v1/tools/vectors.py --write    rewrite the expected values (after changing inputs)
The TypeScript SDK is checked against the same file, so the two implementations check each other.
"""
import functools
import json
import math
import os
import sys

Z = {50: 0.0, 90: 1.2815515655446004, 95: 1.6448536269514722, 99: 2.3263478740408408}

def Phi(x): return 0.5 * math.erfc(-x / math.sqrt(2))
def sig(x): return 1/(1+math.exp(-x))

def pcap(a, k, pmax, c): return pmax * sig(k*(a-c))

def exp_success(a, k, pmax, mu, s, upper=math.inf):
    s = 0 if s < 1e-6 else s
    if s == 0: return pcap(a,k,pmax,mu) if mu <= upper else 0.0
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
    q = r/pmax
    return a - math.log(q/(1-q))/k

def exp_reason(t, B, mu, s, reasons=True):
    if not reasons: return 0.0
    s = 0 if s < 1e-6 else s
    if s == 0: return min(t*2**mu, B)
    m = math.log(t) + mu*math.log(2); ss = s*math.log(2)
    mean = math.exp(m + ss*ss/2)
    if B == math.inf: return mean
    lnB = math.log(B)
    return mean*Phi((lnB-m-ss*ss)/ss) + B*(1-Phi((lnB-m)/ss))

def ttft(p50, p95, q, p99=None):
    if q == 99 and p99 is not None: return p99
    r = Z[q]/Z[95]
    if p50 <= 0: return p95*r
    return p50*(p95/p50)**r

DEF = dict(slope=2, pmax=1, tps=24, out=256, inp=0, minS=0.8, q=95)

def curve(dc): return (dc['ability'], dc.get('slope',2), dc.get('pMax',1))
def rparams(r):
    return (r['mode'] != 'none', r.get('tokensPerStep',24), r.get('maxReasoningTokens', math.inf))
def cB(rp):
    reasons,t,B = rp
    return math.log2(B/t) if reasons else math.inf
def rtok(rp, c):
    reasons,t,B = rp
    return min(t*2**c, B) if reasons else 0.0

def latency(profile, mu, s, q, inp, out, net=None, load=0):
    z = Z[q]; net = net or {}
    s = 0 if s < 1e-6 else s
    remote = profile['placement']['placement'] != 'device'
    loss = net.get('lossRate',0)
    link = (net.get('rttMs',0) + z*net.get('jitterMs',0)) if remote else 0
    netms = (link + profile['latency'].get('networkRttMs',0))/(1-loss) if remote else 0
    bw = net.get('bandwidthKbps') if remote else None
    tin = 4*inp*8/bw if bw else 0
    tout = 4*out*8/bw if bw else 0
    rp = rparams(profile['reasoning'])
    rrate = profile['reasoning'].get('reasoningTokensPerSecond', profile['latency']['outputTokensPerSecond'])
    oh = profile['latency'].get('overheadMs',0)
    gen = 1000*out/profile['latency']['outputTokensPerSecond']
    tt = profile['latency']['ttftMs']
    ttq = ttft(tt['p50'], tt['p95'], q, tt.get('p99'))
    reas = 1000*rtok(rp, mu + z*s)/rrate
    cap = profile.get('capacity',{}).get('maxConcurrentTasks', math.inf)
    med = oh + ttft(tt['p50'], tt['p95'], 50) + 1000*rtok(rp, mu)/rrate + gen
    queue = (load-cap+1)*med/cap if load >= cap else 0
    first = netms + tin + queue + oh + ttq + reas
    return dict(firstResponseMs=first, completionMs=first+gen+tout)

def cost(c, i, o, r):
    return (i*c.get('inputPerMillion',0) + o*c.get('outputPerMillion',0) + r*c.get('reasoningPerMillion',0))/1e6 + c.get('perTask',0)

def modes_match(o, w):
    if o == w or o == '*/*' or w == '*/*': return True
    ot, os_ = o.split('/'); wt, ws = w.split('/')
    return ot == wt and (os_ == '*' or ws == '*')

def match(task, cands, policy=None):
    policy = policy or {}
    d = task['descriptor']; c = d.get('constraints', {})
    if 'complexity' in d: mu, s = d['complexity']['value'], d['complexity'].get('sigma',0)
    elif 'reasoningTokens' in d: mu, s = min(64,max(0,math.log2(d['reasoningTokens']['value']/d['reasoningTokens']['tokensPerStep']))), 1
    else: mu, s = 4, 3
    q = c.get('latencyPercentile',95); minS = c.get('minSuccess',0.8)
    inp = d.get('inputTokens',0); out = d.get('outputTokens',256)
    cur = c.get('maxCost',{}).get('currency') or policy.get('currency','USD')
    pref = d.get('preference','cost')
    res = []
    for cand in cands:
        reasons = []
        prof = cand['profile']; skill = None
        if 'skill' in d:
            sk = [x for x in cand.get('skills',[]) if x['id']==d['skill']] or [x for x in cand.get('skills',[]) if d['skill'] in x['tags']]
            if not sk: reasons.append('SKILL_UNAVAILABLE')
            else:
                skill = sk[0]
                ov = prof.get('skills',{}).get(skill['id'])
                if ov: prof = {**prof, **ov}
        if cand.get('available') is False: reasons.append('AGENT_UNAVAILABLE')
        dc = next((x for x in prof['domains'] if x['domain']==d['domain']), None) or next((x for x in prof['domains'] if x['domain']=='general'), None)
        if not dc: reasons.append('DOMAIN_UNSUPPORTED')
        rp = rparams(prof['reasoning'])
        if dc:
            a,k,pm = curve(dc)
            succ = exp_success(a,k,pm,mu,s,cB(rp)); capS = exp_success(a,k,pm,mu,s)
            if succ < minS: reasons.append('CAPABILITY_CEILING' if capS < minS else 'BUDGET_CEILING')
        else: succ = 0
        lat = latency(prof, mu, s, q, inp, out, d.get('network'), cand.get('load',0))
        if 'firstResponseDeadlineMs' in c and lat['firstResponseMs'] > c['firstResponseDeadlineMs']: reasons.append('FIRST_RESPONSE_DEADLINE')
        if 'completionDeadlineMs' in c and lat['completionMs'] > c['completionDeadlineMs']: reasons.append('COMPLETION_DEADLINE')
        er = exp_reason(rp[1], rp[2], mu, s, rp[0])
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
        res.append(dict(id=cand['id'], reasons=reasons, succ=succ, compl=lat['completionMs'], cps=cps))
    feas = [r for r in res if not r['reasons']]
    if pref == 'latency': key = lambda r: r['compl']
    elif pref == 'quality': key = lambda r: -r['succ']
    elif pref == 'cost': key = lambda r: r['cps']
    else:
        w = pref['weights']; wc,wl,wq = w.get('cost',0), w.get('latency',0), w.get('quality',0)
        def norm(vals):
            f = [v for v in vals if math.isfinite(v)]; lo, hi = min(f), max(f)
            return lambda v: 1 if not math.isfinite(v) else ((v-lo)/(hi-lo) if hi > lo else 0)
        nc = norm([r['cps'] for r in feas]); nl = norm([r['compl'] for r in feas]); nq = norm([r['succ'] for r in feas])
        key = lambda r: wc*nc(r['cps']) + wl*nl(r['compl']) + wq*(1-nq(r['succ']))
    def eqish(a,b): return a == b or (math.isfinite(a) and math.isfinite(b) and abs(a-b) <= 1e-9*max(1,abs(a),abs(b)))
    def cmp(x,y):
        for f in (key, lambda r: -r['succ'], lambda r: r['compl'], lambda r: r['cps']):
            a,b = f(x), f(y)
            if not eqish(a,b): return -1 if a < b else 1
        return -1 if x['id'] < y['id'] else (1 if x['id'] > y['id'] else 0)
    ranked = sorted(feas, key=functools.cmp_to_key(cmp))
    sel = []
    if ranked:
        prim = {'cost':'LOWEST_COST_PER_SUCCESS','latency':'LOWEST_LATENCY','quality':'HIGHEST_SUCCESS'}.get(pref if isinstance(pref,str) else '', 'BEST_WEIGHTED_SCORE')
        sel = [prim]
        if len(ranked) > 1 and eqish(key(ranked[0]), key(ranked[1])): sel.append('TIE_BROKEN')
    plan = []
    if ranked:
        plan = [ranked[0]]; el = ranked[0]['compl']; dl = c.get('completionDeadlineMs')
        window = ranked[:16]
        while len(plan) <= policy.get('maxEscalations',2):
            last = plan[-1]
            nxt = next((r for r in window if r not in plan and r['succ'] > last['succ'] and (dl is None or el + r['compl'] <= dl)), None)
            if not nxt: break
            plan.append(nxt); el += nxt['compl']
    return dict(chosen=ranked[0]['id'] if ranked else None, ranking=[r['id'] for r in ranked],
                rejected={r['id']: r['reasons'] for r in res if r['reasons']}, selection=sel, escalation=[r['id'] for r in plan])


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


def compute(v):
    fn, i = v['function'], v['input']
    if fn == 'capabilitySuccess':
        return pcap(*curve_of(i['curve']), i['complexity'])
    if fn == 'expectedSuccess':
        up = i.get('budgetCeiling')
        return exp_success(*curve_of(i['curve']), i['complexity']['value'], i['complexity'].get('sigma', 0), math.inf if up is None else up)
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
        t = i['ttftMs']
        return ttft(t['p50'], t['p95'], i['percentile'], t.get('p99'))
    if fn == 'latency':
        cx = i['complexity']
        return latency(i['profile'], cx['value'], cx.get('sigma', 0), i['percentile'], i['inputTokens'], i['outputTokens'], i.get('network'), i.get('load', 0))
    if fn == 'cost':
        t = i['tokens']
        return cost(i['cost'], t['input'], t['output'], t['reasoning'])
    if fn == 'prng':
        a, b = mulberry32(i['seed']), mulberry32(i['seed'])
        return {'draws': [a() for _ in range(i['count'])], 'int1to6': [1 + math.floor(b() * 6) for _ in range(i['count'])]}
    if fn == 'match':
        return match(i['task'], i['candidates'], i.get('policy'))
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
            v['expected'] = actual
            continue
        tol = {**doc['defaultTolerance'], **v.get('tolerance', {})}
        if not close(actual, v['expected'], tol):
            failures += 1
            print('MISMATCH %s: computed %s, file says %s' % (v['id'], json.dumps(actual), json.dumps(v['expected'])))
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
