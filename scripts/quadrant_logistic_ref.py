"""Reference for mer-model's quadrant head (crates/mer-model/tests/quadrant_ref.rs):
scikit-learn's multinomial LogisticRegression with sample weights, and a temperature fitted
like crates/mer-predict/models/study_heads.py's fit_temperature (scipy bounded minimize_scalar
on ln T in [-3, 3]).

    python3 -m venv tmp/venv && tmp/venv/bin/pip install scikit-learn==1.9.1 numpy scipy
    tmp/venv/bin/python scripts/quadrant_logistic_ref.py > crates/mer-model/tests/fixtures/quadrant_logistic_ref.json

(numpy 2.x, scipy 1.17, scikit-learn 1.9.1.) The data: 160 rows of 8 features drawn around
four class centres (numpy default_rng(17)); the last 40 rows weigh 0.5.
"""
import json

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(17)
n, f = 160, 8
y = np.arange(n) % 4
centres = rng.normal(size=(4, f))
x = centres[y] * 0.8 + rng.normal(size=(n, f))
w = np.where(np.arange(n) < 120, 1.0, 0.5)
xt = centres[np.arange(40) % 4] * 0.8 + rng.normal(size=(40, f))
yt = np.arange(40) % 4

cases = []
for C in (0.01, 0.3, 10.0):
    m = LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(x, y, sample_weight=w)
    L = m.decision_function(xt)

    def nll(logT):
        lp = log_softmax(L / np.exp(logT), axis=1)
        return -lp[np.arange(len(yt)), yt].mean()

    T = float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded",
                                     options={"xatol": 1e-10}).x))
    cases.append(dict(C=C, coef=m.coef_.T.ravel().tolist(), intercept=m.intercept_.tolist(),
                      proba_test=m.predict_proba(xt).ravel().tolist(), temperature=T))

print(json.dumps(dict(
    made_by=f"scripts/quadrant_logistic_ref.py (numpy {np.__version__}, scipy {scipy.__version__}, "
            f"scikit-learn {sklearn.__version__})",
    n_features=f, x=x.ravel().tolist(), y=y.tolist(), w=w.tolist(),
    x_test=xt.ravel().tolist(), y_test=yt.tolist(), cases=cases)))
