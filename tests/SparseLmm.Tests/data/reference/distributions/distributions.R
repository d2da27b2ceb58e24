# R switches pt to a normal approximation above 4e5 df, so the largest df here is 1e5.
# R's values of the distribution functions inference uses, far tails included (Rscript distributions.R > distributions.csv).
rows <- list()
add <- function(fn, x, a, value) rows[[length(rows) + 1]] <<- sprintf("%s,%.17g,%.17g,%.17g", fn, x, a, value)
for (z in c(0, 0.5, 1.959963984540054, 5, 10, 20, 25, 37.5)) add("normal_two_sided", z, Inf, 2 * pnorm(-z))
for (case in list(c(2.10981557783332, 17), c(0.1, 3), c(6.771, 17), c(36.838, 17.005), c(40, 5), c(30, 100),
                  c(1e3, 10), c(25, 1e5), c(3, 1), c(12, 2.5)))
  add("t_two_sided", case[1], case[2], 2 * pt(-abs(case[1]), case[2]))
for (case in list(c(5.40282609364601, 1), c(279.441204469863, 1), c(600, 1), c(42.1392985162349, 2), c(1000, 10),
                  c(0.5, 3), c(0.001, 1), c(2, 0.5)))
  add("chisq_upper", case[1], case[2], pchisq(case[1], case[2], lower.tail = FALSE))
for (p in c(0.975, 0.5, 0.995, 1e-10, 1e-300, 0.9999999)) add("normal_quantile", p, Inf, qnorm(p))
cat("function,x,df,value\n", paste(unlist(rows), collapse = "\n"), "\n", sep = "")
