# Real data sets of the brms reference fits in this folder, written as CSV into data/.
# Run: Rscript prep_data.R
dir.create("data", showWarnings = FALSE)
write.csv(MASS::mcycle, "data/mcycle.csv", row.names = FALSE)
write.csv(data.frame(eruptions = datasets::faithful$eruptions), "data/faithful.csv", row.names = FALSE)
nh <- mice::nhanes
nh$age <- as.numeric(nh$age)
write.csv(nh, "data/nhanes.csv", row.names = FALSE, na = "NA")
write.csv(lme4::sleepstudy, "data/sleepstudy.csv", row.names = FALSE)
b <- MASS::Boston[, c("medv", "lstat", "rm")]
write.csv(b, "data/boston.csv", row.names = FALSE)
