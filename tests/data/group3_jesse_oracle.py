# Run with /work/jesse-venv/bin/python (Jesse 3.5.3): expected values for the group-3 indicators that the
# parity npz cannot hold (a second candle set, or no sequential flag), on the parity npz candles.
# Writes tests/data/group3_jesse.npz, read by tests/test_indicators_group3_extra.py.
import numpy as np
import jesse.indicators as ta
from jesse.helpers import get_config

assert get_config('env.data.warmup_candles_num', 240) == 240
d = np.load('/work/shared/parity/indicators/btc_15m_2000.npz', allow_pickle=True)
c = np.ascontiguousarray(d['candles'])
x, other = c[1000:], c[:1000]
out = {}
r = ta.rsmk(x, other, sequential=True)
out['rsmk_indicator'], out['rsmk_signal'] = r.indicator, r.signal
r = ta.rsmk(x, other, lookback=30, period=5, signal_period=9, sequential=True)
out['rsmk_alt_indicator'], out['rsmk_alt_signal'] = r.indicator, r.signal
r = ta.rsmk(x, other, sequential=False)
out['rsmk_single'] = np.array([r.indicator, r.signal])

ends = np.arange(300, 2001, 25)
out['ends'] = ends
out['stiffness'] = np.array([ta.stiffness(c[:k]) for k in ends])
out['stiffness_alt'] = np.array([ta.stiffness(c[:k], ma_length=50, stiff_length=30, stiff_smooth=5) for k in ends])
out['ttm_squeeze'] = np.array([ta.ttm_squeeze(c[:k]) for k in ends])
out['ttm_squeeze_alt'] = np.array([ta.ttm_squeeze(c[:k], 10, 1.5, 1.0) for k in ends])

s = ta.stoch(c, sequential=True)
out['stoch_k'], out['stoch_d'] = s.k, s.d
s = ta.stoch(c, fastk_period=5, slowk_period=2, slowd_period=4, sequential=True)
out['stoch_alt_k'], out['stoch_alt_d'] = s.k, s.d

out['waddah'] = np.array([tuple(ta.waddah_attar_explosion(c[:k])) for k in ends], dtype=np.float64)
sr = [ta.support_resistance_with_breaks(c[:k]) for k in ends]
out['sr_levels'] = np.array([(v.support, v.resistance) for v in sr], dtype=np.float64)
out['sr_flags'] = np.array([(v.red_break, v.green_break, v.bear_wick, v.bull_wick) for v in sr], dtype=bool)
sr = [ta.support_resistance_with_breaks(c[:k], 5, 3, 10) for k in ends]
out['sr_alt_levels'] = np.array([(v.support, v.resistance) for v in sr], dtype=np.float64)
out['sr_alt_flags'] = np.array([(v.red_break, v.green_break, v.bear_wick, v.bull_wick) for v in sr], dtype=bool)
np.savez_compressed('/work/main/tests/data/group3_jesse.npz', **out)
print({k: (v.shape, v.dtype) for k, v in out.items()})
print('ttm True', out['ttm_squeeze'].sum(), 'of', len(ends), '| alt', out['ttm_squeeze_alt'].sum())
print('sr flags any', out['sr_flags'].any(axis=0), out['sr_alt_flags'].any(axis=0))

# non-sequential values (Jesse's default 240-candle slicing) of every group-3 indicator with a sequential flag
import inspect, json, warnings
warnings.simplefilter('ignore')
singles = {}
for name in ('rocr100 roofing rsx rvi safezonestop sar sinwma skew smma squeeze_momentum sqwma srsi srwma stc '
             'stddev stochf supersmoother supersmoother_3_pole swma t3 tema trange trendflex trima trix tsf tsi '
             'ttm_trend typprice ui ultosc var vi vidya vlma volume vosc voss vpci vpt vpwma vwap vwma vwmacd wad '
             'wclprice wilders willr wma wt zlema zscore stoch').split():
    r = getattr(ta, name)(c, sequential=False)
    singles[name] = [None if v is None else float(v) for v in (list(r) if hasattr(r, '_fields') else [r])]
with open('/work/main/tests/data/group3_jesse_single.json', 'w') as f:
    json.dump(singles, f, indent=0, sort_keys=True)
