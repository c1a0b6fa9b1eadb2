# Reference fits from real brms 2.18 beyond ../shared/reference/brms_breadth: each case is an R
# brm() call on data `d` (data/, written by prep_data.R). Usage: Rscript fit_brms.R [case_id ...]
suppressMessages({library(brms); library(jsonlite); library(posterior)})
cases <- fromJSON("cases.json", simplifyVector = FALSE)
args <- commandArgs(trailingOnly = TRUE)
for (cs in cases) {
  if (length(args) && !(cs$id %in% args)) next
  d <- read.csv(file.path("data", cs$data))
  for (col in names(cs$ordered)) d[[col]] <- factor(d[[col]], levels = unlist(cs$ordered[[col]]), ordered = TRUE)
  cl <- parse(text = cs$code)[[1]]
  sd_call <- cl; sd_call[[1]] <- quote(make_standata); sd_call$control <- NULL
  res <- tryCatch({
    write_json(unclass(eval(sd_call)), file.path(paste0(cs$id, ".standata.json")), digits = NA)
    sc_call <- sd_call; sc_call[[1]] <- quote(make_stancode)
    writeLines(eval(sc_call), file.path(paste0(cs$id, ".stan")))
    cl$chains <- 4; cl$cores <- 1; cl$iter <- 3500; cl$warmup <- 1000; cl$seed <- 2026
    cl$refresh <- 0; cl$silent <- 2
    # brms diverged with its defaults on some cases: their reference is the adapt_delta = 0.99 run
    if (!is.null(cs$ref_adapt_delta)) cl$control <- list(adapt_delta = cs$ref_adapt_delta)
    t0 <- Sys.time(); fit <- eval(cl); t1 <- Sys.time()
    s <- summarise_draws(as_draws_df(fit), mean, sd, ~quantile(.x, probs = c(0.025, 0.05, 0.5, 0.95, 0.975)),
                         rhat, ess_bulk, ess_tail, mcse_mean)
    el <- rstan::get_elapsed_time(fit$fit)
    out <- list(id = cs$id, code = cs$code, nobs = nobs(fit),
                total_seconds = as.numeric(difftime(t1, t0, units = "secs")),
                warmup_seconds = sum(el[, 1]), sampling_seconds = sum(el[, 2]),
                divergent = sum(subset(nuts_params(fit), Parameter == "divergent__")$Value),
                summary = s)
    write_json(out, file.path(paste0(cs$id, ".json")), digits = NA, auto_unbox = TRUE)
    sprintf("done in %.0f s, %d divergent", out$total_seconds, out$divergent)
  }, error = function(e) paste("ERROR", conditionMessage(e)))
  cat(cs$id, res, "\n")
}
