import math, sys
MBIG, MSEED = 2147483647, 161803398
class NetRandom:
    def __init__(self, seed):
        sa = [0]*56
        sub = MBIG if seed == -2**31 else abs(seed)
        mj = MSEED - sub; sa[55] = mj; mk = 1; ii = 0
        for i in range(1, 55):
            ii += 21
            if ii >= 55: ii -= 55
            sa[ii] = mk; mk = mj - mk
            if mk < 0: mk += MBIG
            mj = sa[ii]
        for k in range(1, 5):
            for i in range(1, 56):
                n = i + 30
                if n >= 55: n -= 55
                sa[i] -= sa[1 + n]
                if sa[i] < 0: sa[i] += MBIG
        self.sa, self.inext, self.inextp = sa, 0, 21
    def next_double(self):
        self.inext += 1
        if self.inext >= 56: self.inext = 1
        self.inextp += 1
        if self.inextp >= 56: self.inextp = 1
        r = self.sa[self.inext] - self.sa[self.inextp]
        if r == MBIG: r -= 1
        if r < 0: r += MBIG
        self.sa[self.inext] = r
        return r * (1.0 / MBIG)
seed = int(sys.argv[1])
rnd = NetRandom(seed)
def normal():
    a = rnd.next_double(); b = rnd.next_double()
    return math.sqrt(-2 * math.log(1 - a)) * math.cos(2 * math.pi * b)
G, S = 20, 12
binomial = (seed & 1) == 0
ints = [0.8 * normal() for _ in range(G)]
slopes = [0.4 * normal() for _ in range(G)]
rows = []
for i in range(G * S):
    g = i // S
    x = normal()
    eta = (-0.2 if binomial else 0.3) + 0.6 * x + ints[g] + slopes[g] * x
    if binomial: y = 1 if rnd.next_double() < 1 / (1 + math.exp(-eta)) else 0
    else:
        limit = math.exp(-math.exp(eta)); p = rnd.next_double(); c = 0
        while p > limit: p *= rnd.next_double(); c += 1
        y = c
    rows.append((y, x, f"g{g}"))
print("y,x,g")
for y, x, g in rows: print(f"{y},{x!r},{g}")
