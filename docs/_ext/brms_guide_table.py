"""The brms -> brmsjax correspondence: one row per brms 2.18 export and ``brmsfit`` method.

Each row is ``name :: section :: probe :: brmsjax``. The probe decides whether brmsjax has the
counterpart *now* (``brms_guide.py`` runs it at every docs build):

* ``fit.NAME``: the fit object has the method or property ``NAME``;
* ``bj.NAME``: ``brmsjax`` has ``NAME``;
* ``f:FORMULA`` (or ``f:FORMULA ; family``): ``bj.make_standata`` builds that model on a small
  data set (columns ``y x z g t n yc yo m s w c``; ``data2`` matrices ``Mcar Msar Mfcor``);
* ``p:PRIOR``: ``bj.make_standata("y ~ x + z", ..., prior=bj.prior(PRIOR))`` builds;
* ``-``: not in brmsjax yet (the last column may say what to use meanwhile);
* ``n/a``: nothing to port (Stan- or R-specific; the last column says why);
* ``dep``: deprecated in brms 2.18 itself (the last column names brms's replacement).

Names not listed are classified by rule in ``brms_guide.py`` (``d/p/q/r`` distribution
functions, ``is.*`` checks, the deprecated ``cor_*`` structures). A test checks that every name
in ``brms_names.txt`` (recorded from R) gets a row.
"""

ROWS = r"""
brm :: Fitting and formulas :: bj.brm :: ``bj.brm(formula, data, family=..., prior=...)``
brm_multiple :: Fitting and formulas :: - :: fit each imputed data set with ``bj.brm``
brmsformula :: Fitting and formulas :: bj.bf :: ``bj.bf("y ~ x", "sigma ~ x")``
bf :: Fitting and formulas :: bj.bf :: ``bj.bf(...)`` or the string ``"bf(y ~ x, sigma ~ x)"``
lf :: Fitting and formulas :: bj.lf :: ``bj.bf("y ~ a", nl=True) + bj.lf("a ~ x")`` or a further formula string in ``bj.bf()``
nlf :: Fitting and formulas :: bj.nlf :: ``bj.bf("y ~ x") + bj.nlf("sigma ~ a * exp(b * z)") + bj.lf("a + b ~ 1")``
acformula :: Fitting and formulas :: bj.bf :: ``bj.bf("y ~ x", autocor="~ ar(t, g)")``
mvbrmsformula :: Fitting and formulas :: bj.mvbf :: ``bj.mvbf(...)``
mvbf :: Fitting and formulas :: bj.mvbf :: ``bj.mvbf(...)``
set_nl :: Fitting and formulas :: bj.bf :: ``bj.bf(..., nl=True)``
set_rescor :: Fitting and formulas :: bj.set_rescor :: ``bj.set_rescor(...)``
set_mecor :: Fitting and formulas :: bj.set_mecor :: ``bj.set_mecor(...)``
make_standata :: Fitting and formulas :: bj.make_standata :: ``bj.make_standata(formula, data)``
standata :: Fitting and formulas :: bj.make_standata :: ``bj.make_standata(...)`` (no method form)
make_stancode :: Fitting and formulas :: n/a :: no Stan code: brmsjax lowers the design to a NumPyro model
stancode :: Fitting and formulas :: n/a :: no Stan code (see ``make_stancode``)
get_prior :: Fitting and formulas :: bj.get_prior :: ``bj.get_prior(formula, data)``
validate_prior :: Fitting and formulas :: bj.validate_prior :: ``bj.validate_prior(...)``
validate_newdata :: Fitting and formulas :: - :: checked inside every ``newdata=`` method
brmsterms :: Fitting and formulas :: n/a :: internal (brmsjax's parsed terms are not public API)
parse_bf :: Fitting and formulas :: n/a :: internal (see ``brmsterms``)
data_predictor :: Fitting and formulas :: n/a :: internal; use ``bj.make_standata``
data_response :: Fitting and formulas :: n/a :: internal; use ``bj.make_standata``
update :: Fitting and formulas :: fit.update :: ``fit.update(". ~ . + z", newdata=d2)``
update_adterms :: Fitting and formulas :: - ::
model.frame :: Fitting and formulas :: fit.data :: ``fit.data``
formula :: Fitting and formulas :: fit.design :: ``fit.brm_args["formula"]``
getCall :: Fitting and formulas :: fit.brm_args :: ``fit.brm_args``
family :: Fitting and formulas :: fit.info :: ``fit.info.family``
brmsfit_needs_refit :: Fitting and formulas :: bj.brm :: ``bj.brm(..., file=, file_refit="on_change")``
control_params :: Fitting and formulas :: fit.nuts_params :: sampler settings in ``fit.brm_args``
save_pars :: Fitting and formulas :: - :: every parameter is saved
add_rstan_model :: Fitting and formulas :: n/a :: no Stan model
recompile_model :: Fitting and formulas :: n/a :: compiled JAX programs are cached on disk automatically
expose_functions :: Fitting and formulas :: n/a :: no Stan functions
stanvar :: Fitting and formulas :: n/a :: no Stan code
threading :: Fitting and formulas :: n/a :: chains run in parallel on CPU devices or vectorized on a GPU
opencl :: Fitting and formulas :: n/a :: JAX runs on GPUs directly
restructure :: Fitting and formulas :: n/a :: fits saved by brmsjax load as they are
rename_pars :: Fitting and formulas :: n/a :: draws carry brms's names from the start
s :: Formula terms :: f:y ~ s(x) :: ``"y ~ s(x, bs = 'cr', k = 6)"``
t2 :: Formula terms :: f:y ~ t2(x, z) :: ``"y ~ t2(x, z)"``
gp :: Formula terms :: f:y ~ gp(x) :: ``"y ~ gp(x, k = 20)"``
mo :: Formula terms :: f:y ~ mo(m) :: ``"y ~ mo(m)"``
cs :: Formula terms :: f:yo ~ cs(x) ; acat :: ``"y ~ cs(x)"`` with an ordinal family
cse :: Formula terms :: f:yo ~ cse(x) ; acat :: ``"y ~ cse(x)"``
me :: Formula terms :: f:y ~ me(x, s) :: ``"y ~ me(x, sdx)"``
mi :: Formula terms :: f:y | mi() ~ x :: ``"y | mi() ~ mi(x)"``
mm :: Formula terms :: f:y ~ (1 | mm(g, g2)) :: ``"y ~ (1 | mm(g1, g2))"``
mmc :: Formula terms :: f:y ~ (1 + mmc(x, z) | mm(g, g2)) :: ``"(1 + mmc(x1, x2) | mm(g1, g2))"``
gr :: Formula terms :: f:y ~ (1 | gr(g)) :: ``"y ~ (1 | gr(g))"``
ar :: Formula terms :: f:y ~ x + ar(time = t, gr = g) :: ``"y ~ x + ar(time = t, gr = g, p = 2)"`` or ``"y ~ x + ar(t, g, cov = TRUE)"``
ma :: Formula terms :: f:y ~ x + ma(time = t, gr = g) :: ``"y ~ x + ma(time = t, gr = g)"``
arma :: Formula terms :: f:y ~ x + arma(time = t, gr = g) :: ``"y ~ x + arma(time = t, gr = g)"``
cosy :: Formula terms :: f:y ~ x + cosy(t, g) :: ``"y ~ x + cosy(t, g)"``
car :: Formula terms :: f:yc ~ x + car(Mcar, gr = g) ; poisson :: ``"y ~ x + car(M, gr = g)"`` with ``data2={"M": W}``
sar :: Formula terms :: f:y ~ x + sar(Msar) :: ``"y ~ x + sar(M, type = 'lag')"`` with ``data2={"M": W}``
fcor :: Formula terms :: f:y ~ x + fcor(Mfcor) :: ``"y ~ x + fcor(M)"`` with ``data2={"M": V}``
mvbind :: Formula terms :: f:mvbind(y, x) ~ z :: ``"mvbind(y1, y2) ~ x"``
resp_se :: Formula terms :: f:y | se(s) ~ x :: ``"y | se(s) ~ x"``
resp_weights :: Formula terms :: f:y | weights(w) ~ x :: ``"y | weights(w) ~ x"``
resp_trials :: Formula terms :: f:yc | trials(n) ~ x ; binomial :: ``"y | trials(n) ~ x"``
resp_cens :: Formula terms :: f:y | cens(c) ~ x :: ``"y | cens(c, y2) ~ x"``
resp_trunc :: Formula terms :: f:y | trunc(lb = -10) ~ x :: ``"y | trunc(lb = 0) ~ x"``
resp_rate :: Formula terms :: f:yc | rate(n) ~ x ; poisson :: ``"y | rate(t) ~ x"``
resp_thres :: Formula terms :: f:yo | thres(3) ~ x ; cumulative :: ``"y | thres(3) ~ x"``
resp_cat :: Formula terms :: f:yo | cat(4) ~ x ; cumulative :: ``"y | cat(4) ~ x"``
resp_dec :: Formula terms :: f:yo | dec(c) ~ x ; wiener :: ``"rt | dec(resp) ~ x"`` with ``family=bj.wiener()``
resp_mi :: Formula terms :: f:y | mi() ~ x :: ``"y | mi() ~ x"``
resp_index :: Formula terms :: - ::
resp_subset :: Formula terms :: - :: ``subset()`` of multivariate models (not yet)
resp_vint :: Formula terms :: - :: custom families (not yet)
resp_vreal :: Formula terms :: - :: custom families (not yet)
prior :: Priors :: bj.prior :: ``bj.prior("normal(0, 10)", class_="b", coef="x")``
prior_ :: Priors :: bj.prior :: ``bj.prior(...)`` (prior strings are never evaluated)
prior_string :: Priors :: bj.prior :: ``bj.prior("normal(0, 10)", class_="b")``
set_prior :: Priors :: bj.set_prior :: ``bj.set_prior("normal(0, 10)", class_="b")``
empty_prior :: Priors :: bj.empty_prior :: ``bj.empty_prior()``
horseshoe :: Priors :: p:horseshoe(df = 3) :: ``bj.prior("horseshoe(df = 3, par_ratio = 0.1)")``
R2D2 :: Priors :: p:R2D2() :: ``bj.prior("R2D2()")``
lasso :: Priors :: p:lasso() :: ``bj.prior("lasso()")``
prior_summary :: Priors :: fit.prior_summary :: ``fit.prior_summary()``
prior_draws :: Priors :: fit.prior_draws :: ``fit.prior_draws()`` (needs ``sample_prior``)
prior_samples :: Deprecated in brms :: dep :: ``prior_draws``
brmsfamily :: Families :: bj.get_family :: ``bj.get_family("poisson", link="sqrt")``
custom_family :: Families :: bj.custom_family :: ``bj.custom_family(...)``
mixture :: Families :: bj.mixture :: ``bj.mixture(bj.gaussian(), bj.gaussian())``
pp_mixture :: Methods of a fit :: fit.pp_mixture :: ``fit.pp_mixture()``
summary :: Methods of a fit :: fit.summary :: ``fit.summary(prob=0.9)``
print :: Methods of a fit :: fit.summary :: ``print(fit)``
fixef :: Methods of a fit :: fit.fixef :: ``fit.fixef()``
ranef :: Methods of a fit :: fit.ranef :: ``fit.ranef()``
coef :: Methods of a fit :: fit.coef :: ``fit.coef()``
VarCorr :: Methods of a fit :: fit.VarCorr :: ``fit.VarCorr()``
vcov :: Methods of a fit :: fit.vcov :: ``fit.vcov()``
fitted :: Methods of a fit :: fit.fitted :: ``fit.fitted(newdata, re_formula=np.nan)``
predict :: Methods of a fit :: fit.predict :: ``fit.predict(newdata)``
residuals :: Methods of a fit :: fit.residuals :: ``fit.residuals()``
posterior_epred :: Methods of a fit :: fit.posterior_epred :: ``fit.posterior_epred(newdata)``
posterior_linpred :: Methods of a fit :: fit.posterior_linpred :: ``fit.posterior_linpred(newdata)``
posterior_predict :: Methods of a fit :: fit.posterior_predict :: ``fit.posterior_predict(newdata)``
predictive_error :: Methods of a fit :: fit.predictive_error :: ``fit.predictive_error()``
predictive_interval :: Methods of a fit :: fit.predictive_interval :: ``fit.predictive_interval()``
posterior_smooths :: Methods of a fit :: fit.posterior_smooths :: ``fit.posterior_smooths(smooth="s(x)")``
log_lik :: Methods of a fit :: fit.log_lik :: ``fit.log_lik()``
logLik :: Methods of a fit :: fit.log_lik :: ``fit.log_lik()`` (draws x rows)
hypothesis :: Methods of a fit :: fit.hypothesis :: ``fit.hypothesis("x + x:z = 0")``
bayes_R2 :: Methods of a fit :: fit.bayes_R2 :: ``fit.bayes_R2()``
get_dpar :: Methods of a fit :: fit.posterior_epred :: ``fit.posterior_epred(dpar="sigma")``
get_y :: Methods of a fit :: fit.data :: the response column of ``fit.data``
autocor :: Methods of a fit :: - :: ARMA terms are shown in ``fit.summary()``
pp_average :: Methods of a fit :: bj.pp_average :: ``bj.pp_average(fit1, fit2)``
posterior_average :: Methods of a fit :: bj.posterior_average :: ``bj.posterior_average(fit1, fit2)``
combine_models :: Methods of a fit :: bj.combine_models :: ``bj.combine_models(fit1, fit2)``
make_conditions :: Methods of a fit :: bj.make_conditions :: ``bj.make_conditions(fit, ["x"])``
prepare_predictions :: Methods of a fit :: n/a :: internal; the prediction methods take ``newdata`` directly
extract_draws :: Methods of a fit :: n/a :: internal (see ``prepare_predictions``)
loo :: Model comparison :: fit.loo :: ``fit.loo()`` (``.elpd_loo``, ``.p_loo``, ``.looic``)
waic :: Model comparison :: fit.waic :: ``fit.waic()``
kfold :: Model comparison :: fit.kfold :: ``fit.kfold(K=10, folds="stratified", group="g")``
kfold_predict :: Model comparison :: fit.kfold_predict :: ``fit.kfold_predict()``
reloo :: Model comparison :: fit.reloo :: ``fit.reloo()`` (refits for high Pareto k)
loo_moment_match :: Model comparison :: fit.loo_moment_match :: ``fit.loo_moment_match()`` (``split``, ``cov`` as loo; not for gaussian models with group-level terms)
loo_subsample :: Model comparison :: fit.loo_subsample :: ``fit.loo_subsample()``
loo_predict :: Model comparison :: fit.loo_predict :: ``fit.loo_predict()``
loo_linpred :: Model comparison :: fit.loo_linpred :: ``fit.loo_linpred()``
loo_predictive_interval :: Model comparison :: fit.loo_predictive_interval :: ``fit.loo_predictive_interval()``
loo_R2 :: Model comparison :: fit.loo_R2 :: ``fit.loo_R2()``
loo_compare :: Model comparison :: bj.loo_compare :: ``bj.loo_compare(fit1, fit2)``
loo_model_weights :: Model comparison :: bj.loo_model_weights :: ``bj.loo_model_weights(fit1, fit2)``
model_weights :: Model comparison :: bj.model_weights :: ``bj.model_weights(fit1, fit2, weights="pseudobma")``
add_criterion :: Model comparison :: fit.add_criterion :: ``fit.add_criterion(["loo", "waic"])``; ``fit.criteria``
post_prob :: Model comparison :: - :: needs bridge sampling (not yet)
bayes_factor :: Model comparison :: - :: needs bridge sampling; ``fit.hypothesis()`` gives Savage-Dickey ratios
bridge_sampler :: Model comparison :: - ::
log_posterior :: Draws and sampler :: fit.nuts_params :: ``lp__`` in ``fit.draws()``; ``fit.nuts_params()``
nuts_params :: Draws and sampler :: fit.nuts_params :: ``fit.nuts_params()``
rhat :: Draws and sampler :: fit.rhat :: ``fit.rhat()``
neff_ratio :: Draws and sampler :: fit.neff_ratio :: ``fit.neff_ratio()``
nchains :: Draws and sampler :: fit.nchains :: ``fit.nchains``
ndraws :: Draws and sampler :: fit.ndraws :: ``fit.ndraws``
niterations :: Draws and sampler :: fit.niterations :: ``fit.niterations``
nvariables :: Draws and sampler :: fit.variables :: ``len(fit.variables())``
variables :: Draws and sampler :: fit.variables :: ``fit.variables()``
nobs :: Draws and sampler :: fit.nobs :: ``fit.nobs()``
ngrps :: Draws and sampler :: fit.ngrps :: ``fit.ngrps()``
as_draws :: Draws and sampler :: fit.to_arviz :: ``fit.to_arviz()`` (ArviZ InferenceData)
as_draws_df :: Draws and sampler :: fit.draws :: ``fit.draws()``
as_draws_array :: Draws and sampler :: fit.to_arviz :: ``fit.to_arviz().posterior`` (chain x draw arrays)
as_draws_list :: Draws and sampler :: fit.draws :: ``dict(list(fit.draws().groupby(".chain")))``
as_draws_matrix :: Draws and sampler :: fit.draws :: ``fit.draws().to_numpy()``
as_draws_rvars :: Draws and sampler :: fit.to_arviz :: ``fit.to_arviz().posterior``
as.data.frame :: Draws and sampler :: fit.draws :: ``fit.draws()``
as.matrix :: Draws and sampler :: fit.draws :: ``fit.draws().to_numpy()``
as.array :: Draws and sampler :: fit.to_arviz :: ``fit.to_arviz().posterior``
as.mcmc :: Draws and sampler :: fit.to_arviz :: ``fit.to_arviz()``
posterior_summary :: Draws and sampler :: fit.posterior_summary :: ``fit.posterior_summary()``
posterior_interval :: Draws and sampler :: fit.posterior_interval :: ``fit.posterior_interval(prob=0.9)``
posterior_table :: Draws and sampler :: fit.posterior_summary :: ``fit.posterior_summary()``
pp_check :: Plots :: fit.pp_check :: ``fit.pp_check(type="dens_overlay")`` (a matplotlib Figure; also ``loo_pit_overlay``, ``loo_pit_qq``, ``ecdf_overlay``, ``stat_grouped``, ``scatter_avg``, ``error_scatter_avg``, ``violin_grouped``, ``boxplot``, ...)
conditional_effects :: Plots :: fit.conditional_effects :: ``fit.conditional_effects("x", method="posterior_predict", spaghetti=True, ndraws=50).plot()``
conditional_smooths :: Plots :: fit.conditional_smooths :: ``fit.conditional_smooths().plot()``
mcmc_plot :: Plots :: fit.mcmc_plot :: ``fit.mcmc_plot(type="trace")``
plot :: Plots :: fit.plot :: ``fit.plot()``
pairs :: Plots :: fit.pairs :: ``fit.pairs()``; or ``az.plot_pair(fit.to_arviz())``
launch_shinystan :: Plots :: - :: ArviZ's plots on ``fit.to_arviz()``
theme_default :: Plots :: n/a :: matplotlib styles (``plt.style.use``)
theme_black :: Plots :: n/a :: matplotlib styles (``plt.style.use("dark_background")``)
do_call :: Utilities :: n/a :: Python's ``f(*args, **kwargs)``
rows2labels :: Utilities :: n/a :: pandas
density_ratio :: Utilities :: - ::
inv_logit_scaled :: Utilities :: n/a :: ``scipy.special.expit``
logit_scaled :: Utilities :: n/a :: ``scipy.special.logit``
expp1 :: Utilities :: n/a :: ``numpy.exp(x) + 1``
logm1 :: Utilities :: n/a :: ``numpy.log(x - 1)``
stanplot :: Deprecated in brms :: dep :: ``mcmc_plot``
marginal_effects :: Deprecated in brms :: dep :: ``conditional_effects``
marginal_smooths :: Deprecated in brms :: dep :: ``conditional_smooths``
pp_expect :: Deprecated in brms :: dep :: ``posterior_epred``
posterior_samples :: Deprecated in brms :: dep :: ``as_draws_df``
nsamples :: Deprecated in brms :: dep :: ``ndraws``
parnames :: Deprecated in brms :: dep :: ``variables``
add_ic :: Deprecated in brms :: dep :: ``add_criterion``
add_ic<- :: Deprecated in brms :: dep :: ``add_criterion``
add_loo :: Deprecated in brms :: dep :: ``add_criterion``
add_waic :: Deprecated in brms :: dep :: ``add_criterion``
compare_ic :: Deprecated in brms :: dep :: ``loo_compare``
LOO :: Deprecated in brms :: dep :: ``loo``
WAIC :: Deprecated in brms :: dep :: ``waic``
"""
