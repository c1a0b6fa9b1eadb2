r"""
A two-level model of test scores (Tennessee STAR)
=================================================

The seed lecture models grade-1 math scores :math:`S_{ik}` of student :math:`i` in class
:math:`k` with student-level predictors (age, sex, race) whose coefficients vary between
classes, and class-level predictors (class size, teacher experience, teacher race, the share of
Black students) that explain part of that variation. This page walks through it with brmsjax:
level notation, the flat brms formula, the fit, the estimates with 90% credible intervals and
the teacher-race panel plot.

The data
--------
``bj.datasets.star()`` is mlmRev's ``star`` data, grade 1, white and Black students. Teacher
gender is not in the data, so the lecture's TeacherFemale terms are left out. Rows without age
or teacher race are dropped before fitting (brms would drop them with a warning).
"""

import matplotlib.pyplot as plt
import numpy as np

import brmsjax as bj

star = bj.datasets.star().dropna(subset=["age", "tblack"]).reset_index(drop=True)
print(star.shape)
star.head()

# %%
# Level notation
# --------------
# Level 1: each student's score is normal around a class-specific regression line.
#
# .. math::
#
#    S_{ik} \sim \text{Norm}(\mu_{ik}, \sigma), \qquad
#    \mu_{ik} = \beta_{0k} + \beta_{1k} \text{Age}_i + \beta_{2k} \text{Female}_i
#               + \beta_{3k} \text{Black}_i
#
# Level 2: each class's coefficients are the gammas plus class-level predictors plus a class
# effect :math:`\eta`.
#
# .. math::
#
#    \beta_{0k} &= \gamma_{00} + \gamma_{01} \text{Size}_k + \gamma_{02} \text{Exp}_k
#                  + \gamma_{03} \text{TeacherBlack}_k + \gamma_{04} \text{PropBlack}_k
#                  + \eta_{0k} \\
#    \beta_{1k} &= \gamma_{10} + \gamma_{11} \text{Size}_k + \eta_{1k} \\
#    \beta_{2k} &= \gamma_{20} + \eta_{2k} \\
#    \beta_{3k} &= \gamma_{30} + \gamma_{31} \text{TeacherBlack}_k
#                  + \gamma_{32} \text{PropBlack}_k + \eta_{3k}
#
# The class effects are correlated, with standard deviations :math:`\Phi` and correlations
# :math:`P`:
#
# .. math::
#
#    \begin{bmatrix} \eta_{0k} \\ \eta_{1k} \\ \eta_{2k} \\ \eta_{3k} \end{bmatrix}
#    \sim \text{MVNorm}\left(\mathbf{0}, \Phi P \Phi\right), \quad
#    \Phi = \text{diag}(\phi_0, \phi_1, \phi_2, \phi_3), \quad
#    P = \begin{bmatrix} 1 & \rho_{01} & \rho_{02} & \rho_{03} \\
#                        \rho_{01} & 1 & \rho_{12} & \rho_{13} \\
#                        \rho_{02} & \rho_{12} & 1 & \rho_{23} \\
#                        \rho_{03} & \rho_{13} & \rho_{23} & 1 \end{bmatrix}
#
# The flat brms formula
# ---------------------
# Substituting the level-2 equations into level 1 makes the cross-level interactions explicit
# (``age:size``, ``black:tblack``, ``black:propblack``). :func:`brmsjax.multilevel` writes the
# flat formula from the level equations:

formula = bj.multilevel(
    "score ~ age + female + black",
    {"1": "size + exp + tblack + propblack", "age": "size", "black": "tblack + propblack"},
    group="class",
    varying=["1", "age", "female", "black"],
    data=star,
)
print(formula)

# %%
# :func:`brmsjax.equations` reads any such formula back into level notation (the text below is
# generated from the formula; ``.latex()`` gives the LaTeX above):

labels = {
    "score": "Score",
    "age": "Age",
    "size": "Size",
    "exp": "Exp",
    "female": "Female",
    "black": "Black",
    "tblack": "TeacherBlack",
    "propblack": "PropBlack",
}
print(bj.equations(formula, star, labels=labels).text())

# %%
# The fit
# -------
# brms's defaults (4 chains of 2000 iterations, ``brmsjax demo``) take about half a minute;
# the docs build runs a short version, so the digits below are rough.

fit = bj.brm(formula, star, chains=2, iter=600, seed=2026, progress=False)
print(fit.summary(prob=0.9))

# %%
# Posterior means with 90% credible intervals
# -------------------------------------------
# The lecture's table: every gamma, phi, rho and sigma with its meaning.

print(fit.multilevel_table(prob=0.9, labels=labels))

# %%
# The teacher-race panel plot
# ---------------------------
# Expected scores of white and Black students as the share of Black students in the class
# grows, for white teachers (left) and Black teachers (right): population-level predictions
# (``re_formula=np.nan``) with the other covariates at their means, posterior means and 90%
# intervals. The gap between the lines is the race difference :math:`\beta_{3k}`; it narrows
# with a Black teacher by :math:`\gamma_{31}`.

share = np.linspace(0, 1, 21)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
for ax, teacher, title in zip(axes, (0, 1), ("White teachers", "Black teachers"), strict=True):
    for black, colour, name in ((0, "C0", "white students"), (1, "C3", "Black students")):
        grid = star[["age", "size", "exp", "female"]].mean().to_frame().T
        grid = grid.loc[grid.index.repeat(share.size)].reset_index(drop=True)
        grid["propblack"], grid["tblack"], grid["black"] = share, teacher, black
        draws = fit.posterior_epred(grid, re_formula=np.nan)
        low, high = np.quantile(draws, [0.05, 0.95], axis=0)
        ax.fill_between(share, low, high, color=colour, alpha=0.25)
        ax.plot(share, draws.mean(axis=0), color=colour, label=name)
    ax.set_title(title)
    ax.set_xlabel("share of Black students in the class")
axes[0].set_ylabel("expected grade-1 math score")
axes[0].legend()
fig.tight_layout()
