# awk -v N=ROWS -f bench/glmm-panel.awk > FILE: a Poisson panel with the same 5,000 subjects (random intercept and time slope)
# and 50 crossed sites at any number of rows (the effects are drawn first from one seed, so every size shares them).
function gauss() { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }
BEGIN {
  srand(11); S = 5000; T = 50
  for (s = 0; s < S; s++) { b0[s] = gauss() * 0.3; b1[s] = 0.3 * b0[s] + gauss() * 0.1 }
  for (t = 0; t < T; t++) c[t] = gauss() * 0.2
  print "count,time,x1,x2,grp,subj,site"
  for (i = 0; i < N; i++) {
    s = int(i * S / N); time = rand() * 3; x1 = rand(); x2 = gauss(); u = rand()
    g = u < 1/3 ? "a" : (u < 2/3 ? "b" : "c"); site = int(rand() * T)
    eta = 1.5 + 0.2 * time + 0.3 * x1 - 0.2 * x2 + (g == "b" ? 0.1 : (g == "c" ? -0.1 : 0)) + b0[s] + b1[s] * time + c[site]
    L = exp(-exp(eta)); k = 0; p = 1
    do { k++; p *= rand() } while (p > L)
    printf "%d,%.5f,%.5f,%.5f,%s,s%05d,site%03d\n", k - 1, time, x1, x2, g, s, site
  }
}
