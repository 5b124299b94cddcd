"""How far nnlab's elementary functions (lib/math/elementary.ts) are from the correctly rounded
value, in ulps, measured with mpmath at 200 bits: random arguments over each function's range plus
its edges (±0, subnormals, the overflow and underflow thresholds, NaN, ±inf).

  usage: python scripts/elementary-accuracy.py [--points N] [--seed S] [--node NODE]

Prints one row per function (points, worst error in ulps and where) and exits 1 when a worst
error exceeds the function's bound in BOUNDS or a special value is wrong. Needs `npm run build` (it reads
dist/) and mpmath (scripts/setup.mjs installs it into .venv).
"""
import argparse, math, os, random, struct, subprocess, sys, tempfile
import mpmath

mpmath.mp.prec = 200
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = 5e-324          # the smallest subnormal
MIN_NORMAL = 2.2250738585072014e-308
# The bound each function is held to, in ulps. exp, log, sin and cos are fdlibm's algorithms (< 1 ulp).
# tanh (fdlibm's formula, the bits V8 gives) and sigmoid (exp, an addition and a division) round
# more than once: measured on 10⁶ points, 1.98 and 2.15 ulps at worst. powInt is under 1 ulp for
# normal results, and above it (1.46 measured) only where the result is subnormal and the
# double-double's low half underflows.
BOUNDS = {'exp': 1.0, 'log': 1.0, 'sin': 1.0, 'cos': 1.0, 'tanh': 2.0, 'sigmoid': 2.5, 'powInt': 2.0}
EDGES = [0.0, -0.0, TINY, -TINY, MIN_NORMAL, -MIN_NORMAL, 1e-300, -1e-300, 1.0, -1.0, 0.5, 2.0,
         math.inf, -math.inf, math.nan, 1.7976931348623157e308, -1.7976931348623157e308]


def wide(rng):
    """A double of any magnitude: random sign, exponent and mantissa."""
    return rng.choice((-1, 1)) * math.ldexp(rng.random() + 0.5, rng.randint(-1074, 1023))


def arguments(name, n, rng):
    if name == 'exp':
        xs = [rng.uniform(-746, 710) for _ in range(n // 2)] + [rng.uniform(-2, 2) for _ in range(n // 4)] + [wide(rng) for _ in range(n // 4)]
        return xs + EDGES + [709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.3964185322641]
    if name == 'log':
        xs = [abs(wide(rng)) for _ in range(n // 2)] + [rng.uniform(0.5, 2) for _ in range(n // 2)]
        return xs + EDGES + [1 + 2**-52, 1 - 2**-53]
    if name in ('tanh', 'sigmoid'):
        xs = [rng.uniform(-30, 30) for _ in range(n // 2)] + [rng.choice((-1, 1)) * math.ldexp(rng.random() + 0.5, rng.randint(-60, 10)) for _ in range(n // 4)]
        xs += [rng.uniform(-750, 750) for _ in range(n // 4)]
        return xs + EDGES + [22.0, -22.0, 2**-55, -2**-55]
    if name in ('sin', 'cos'):
        xs = [rng.uniform(-7, 7) for _ in range(n // 2)] + [rng.uniform(-1e6, 1e6) for _ in range(n // 4)] + [wide(rng) for _ in range(n // 4)]
        return xs + EDGES + [math.pi / 2, math.pi, 2 * math.pi, 1e22]
    if name == 'powInt':
        pairs = [(rng.uniform(0.5, 1), rng.randint(0, 100000)) for _ in range(n // 2)]
        pairs += [(b, rng.randint(0, 20000)) for b in (0.9, 0.999, 0.1, 0.98) for _ in range(n // 8)]
        pairs += [(rng.uniform(1, 2), rng.randint(0, 1000)) for _ in range(n // 8)]
        return pairs + [(0.0, 0), (0.0, 3), (-0.0, 3), (-2.0, 3), (2.0, 1023), (2.0, 1024), (math.nan, 0), (math.nan, 2), (math.inf, 2), (-math.inf, 3)]
    raise ValueError(name)


def exact(name, x):
    """The mathematical value at 200 bits (an mpf, or a float for the special cases)."""
    if name == 'powInt':
        base, k = x
        return mpmath.mpf(base) ** int(k)
    x = mpmath.mpf(x)
    return {'exp': mpmath.exp, 'log': mpmath.log, 'tanh': mpmath.tanh, 'sin': mpmath.sin, 'cos': mpmath.cos,
            'sigmoid': lambda v: 1 / (1 + mpmath.exp(-v))}[name](x)


def special(name, x):
    """The IEEE result where the argument is NaN, infinite or out of the function's domain; None otherwise."""
    if name == 'powInt':
        base, k = x
        if k == 0:
            return 1.0
        if math.isnan(base):
            return math.nan
        if math.isinf(base):
            return math.copysign(math.inf, base) if k % 2 else math.inf
        return None
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return {'exp': math.inf if x > 0 else 0.0, 'log': math.inf if x > 0 else math.nan, 'tanh': math.copysign(1.0, x),
                'sin': math.nan, 'cos': math.nan, 'sigmoid': 1.0 if x > 0 else 0.0}[name]
    if name == 'log' and x <= 0:
        return -math.inf if x == 0 else math.nan
    if x == 0 and name in ('tanh', 'sin'):
        return x  # keeps the sign of zero
    return None


def ulp_error(ours, y):
    """|ours − y| in ulps of the double nearest y (y an mpf); inf if ours is not finite."""
    try:
        rounded = float(y)
    except OverflowError:
        rounded = math.inf
    if math.isinf(rounded):
        return 0.0 if ours == rounded else math.inf  # beyond the largest double: ±∞ is the rounding
    if not math.isfinite(ours):
        return math.inf
    return float(abs(mpmath.mpf(ours) - y) / mpmath.mpf(math.ulp(rounded)))


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def evaluate(node, name, args):
    flat = [v for pair in args for v in pair] if name == 'powInt' else args
    with tempfile.TemporaryDirectory() as tmp:
        a, o = os.path.join(tmp, 'args.f64'), os.path.join(tmp, 'out.f64')
        with open(a, 'wb') as f:
            f.write(struct.pack(f'<{len(flat)}d', *flat))
        subprocess.run([node, os.path.join(ROOT, 'scripts', 'elementary-values.mjs'), name, a, o], check=True)
        with open(o, 'rb') as f:
            data = f.read()
    return list(struct.unpack(f'<{len(data) // 8}d', data))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--points', type=int, default=1_000_000)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--node', default=os.environ.get('NODE', 'node'))
    o = p.parse_args()
    failed = False
    print(f'{"function":9} {"points":>9} {"worst ulp":>10} {"bound":>6}  argument of the worst')
    for name in ('exp', 'log', 'tanh', 'sigmoid', 'sin', 'cos', 'powInt'):
        args = arguments(name, o.points, random.Random(f'{o.seed}:{name}'))
        values = evaluate(o.node, name, args)
        worst, where, wrong = 0.0, None, []
        for x, ours in zip(args, values):
            s = special(name, x)
            if s is not None:
                if not same(ours, s):
                    wrong.append((x, ours, s))
                continue
            e = ulp_error(ours, exact(name, x))
            if e > worst:
                worst, where = e, x
        print(f'{name:9} {len(args):9d} {worst:10.4f} {BOUNDS[name]:6.1f}  {where!r}')
        for x, ours, s in wrong[:5]:
            print(f'    special value wrong: {name}({x!r}) = {ours!r}, expected {s!r}')
        failed |= worst > BOUNDS[name] or bool(wrong)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
