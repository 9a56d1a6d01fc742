# Run with /work/jesse-venv/bin/python: Jesse 3.5.3's beta on the parity npz candles.
import numpy as np, jesse.indicators as ta
d = np.load('/work/shared/parity/indicators/btc_15m_2000.npz', allow_pickle=True)
c = d['candles']
x, bench = c[1000:], c[:1000]
seq = ta.beta(x, bench, 5, sequential=True)
single = ta.beta(x, bench, 5, sequential=False)
np.savez('/work/main/tests/data/beta_jesse.npz', last50=seq[-50:], nan_rows=np.array(int(np.isnan(seq).sum())),
         single=np.array(single), seq_period20_last50=ta.beta(x, bench, 20, sequential=True)[-50:])
print(seq[-3:], single)
