"""Compares every <table> of two report/ folders with timings removed; prints what differs."""
import re, sys, glob, os, difflib
A, B = sys.argv[1], sys.argv[2]
TIME = re.compile(r'\b\d+(\.\d+)?\s?(s|ms|min)\s±\s\d+(\.\d+)?|\b\d+(\.\d+)? run minutes|\b\d+(\.\d+)?\s?(s|ms|min)\b|\b\d+:\d\d(:\d\d)?\b|\b\d+ min \d+ s\b')
def tables(p):
    s = open(p, encoding='utf8').read()
    return [TIME.sub('T', re.sub(r'<[^>]+>', ' ', t)) for t in re.findall(r'<table.*?</table>', s, re.S)]
total = differ = 0
for f in sorted(glob.glob(os.path.join(A, '*.html'))):
    a, b = tables(f), tables(os.path.join(B, os.path.basename(f)))
    total += len(a)
    bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y] + (['count'] if len(a) != len(b) else [])
    differ += len(bad)
    print(f'{os.path.basename(f)}: {len(a)} tables, differing: {bad}')
    for i in bad[:2]:
        if i == 'count': continue
        for l in list(difflib.unified_diff(a[i].split('  '), b[i].split('  '), lineterm='', n=0))[2:8]: print('   ', l[:160])
print(f'{total} tables, {differ} differ (timings removed)')
