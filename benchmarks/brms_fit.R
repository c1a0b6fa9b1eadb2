# Fit one brms model for benchmarks/bench_brms.py and write its timings and diagnostics as JSON.
#
#   Rscript benchmarks/brms_fit.R DATA.csv FORMULA CHAINS ITER WARMUP CORES SEED OUT.json
#
# brms's default priors and settings (rstan backend, adapt_delta 0.8, max_treedepth 10).
# Times: `load_s` (library(brms) and friends), `fit_s` (the brm() call: Stan code, compiling
# the C++ with rstan, sampling), and rstan's per-chain warmup and sampling seconds. The minimum
# bulk ESS and maximum Rhat come from posterior::summarise_draws over every variable but lp__
# and lprior, and over the population-level and hyperparameters (b_, sd_, cor_, sigma) alone.
t_start <- Sys.time()
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 8) {
  stop("usage: Rscript brms_fit.R DATA.csv FORMULA CHAINS ITER WARMUP CORES SEED OUT.json")
}
csv <- args[1]
formula <- args[2]
chains <- as.integer(args[3])
iter <- as.integer(args[4])
warmup <- as.integer(args[5])
cores <- as.integer(args[6])
seed <- as.integer(args[7])
out <- args[8]

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})
t_loaded <- Sys.time()
data <- read.csv(csv, stringsAsFactors = FALSE)

t0 <- Sys.time()
fit <- brm(as.formula(formula), data = data, chains = chains, iter = iter, warmup = warmup,
           cores = cores, seed = seed, refresh = 0, silent = 2)
t1 <- Sys.time()

elapsed <- rstan::get_elapsed_time(fit$fit)
draws <- as_draws_df(fit)
vars <- setdiff(variables(draws), c("lp__", "lprior"))
summ <- summarise_draws(subset_draws(draws, variable = vars), "ess_bulk", "rhat")
hyper <- summ[grepl("^(b_|sd_|cor_|sigma)", summ$variable), ]
np <- nuts_params(fit)
worst <- which.min(summ$ess_bulk)
worst_hyper <- which.min(hyper$ess_bulk)
worst_rhat <- which.max(hyper$rhat)

result <- list(
  contender = "brms",
  formula = formula,
  load_s = as.numeric(difftime(t_loaded, t_start, units = "secs")),
  fit_s = as.numeric(difftime(t1, t0, units = "secs")),
  script_s = as.numeric(difftime(t1, t_start, units = "secs")),
  warmup_s = as.numeric(elapsed[, "warmup"]),
  sample_s = as.numeric(elapsed[, "sample"]),
  divergent = sum(np$Value[np$Parameter == "divergent__"]),
  mean_leapfrog = mean(np$Value[np$Parameter == "n_leapfrog__"]),
  min_bulk_ess = summ$ess_bulk[worst],
  min_bulk_ess_var = summ$variable[worst],
  min_bulk_ess_hyper = hyper$ess_bulk[worst_hyper],
  min_bulk_ess_hyper_var = hyper$variable[worst_hyper],
  max_rhat_hyper = hyper$rhat[worst_rhat],
  max_rhat_hyper_var = hyper$variable[worst_rhat],
  n_params = nrow(summ),
  nobs = nobs(fit),
  chains = chains,
  warmup = warmup,
  draws = iter - warmup,
  cores = cores,
  seed = seed,
  versions = list(
    R = paste(R.version$major, R.version$minor, sep = "."),
    brms = as.character(packageVersion("brms")),
    rstan = as.character(packageVersion("rstan")),
    StanHeaders = as.character(packageVersion("StanHeaders")),
    posterior = as.character(packageVersion("posterior"))
  )
)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA), out)
