using SparseLmm.Numerics;

namespace SparseLmm.Inference;

/// <summary>Kenward and Roger's (1997) small-sample adjustment, in the form pbkrtest computes it. The marginal
/// covariance Σ = Σᵣ σᵣ Gᵣ is linear in the (co)variance parameters σᵣ (each entry of each term's covariance matrix,
/// then the residual variance), evaluated at the REML estimates. With M = Σ⁻¹ and Φ = (X'MX)⁻¹:
/// Pᵣ = X'MGᵣMX, Qᵣₛ = X'MGᵣMGₛMX, W = 2 [tr(ΩGᵣΩGₛ)]⁻¹ (Ω = M − MXΦX'M, the REML projection),
/// Φ_A = Φ + 2Φ [Σ Wᵣₛ (Qᵣₛ − PᵣΦPₛ)] Φ, and for each coefficient the degrees of freedom m of the scaled F(1, m).
/// The n×n matrices are dense: this is meant for data of up to a few thousand rows.</summary>
internal static class KenwardRoger
{
    public const int MaxRows = 6000;

    public static (double[] StandardErrors, double[] Df) Compute(FittedMixedModel model)
    {
        var fit = model.Fit;
        var design = model.Design;
        int n = design.RowCount, p = design.FixedEffectCount;
        if (n > MaxRows)
            throw new InputException($"Kenward-Roger needs dense {n}x{n} matrices; it is limited to {MaxRows} rows (use --ddf satterthwaite)");
        if (design.Weights is not null)
            throw new InputException("Kenward-Roger is not available with prior weights (--weights); use --ddf satterthwaite");
        var evaluator = model.Evaluator();
        var terms = evaluator.Terms;
        var parameterization = evaluator.Parameterization;
        // Σ is linear in each entry of an unstructured covariance, which this form relies on; a structured term's
        // covariance is not linear in its SDs and ρ.
        if (parameterization.IsStructured)
            throw new InputException("Kenward-Roger is not available for diag(), cs() or ar1() terms; use --ddf satterthwaite");
        double sigma = fit.Sigma ?? throw new InputException("Kenward-Roger needs a residual variance"), s2 = sigma * sigma;

        // Covariance matrices C_t = σ² T T' per term.
        var covariances = new double[terms.Count][];
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            var tf = new double[k * k];
            parameterization.FillFactor(fit.Theta.ToArray(), t, tf);
            covariances[t] = new double[k * k];
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                {
                    double v = 0;
                    for (int c = 0; c < k; c++) v += tf[a * k + c] * tf[b * k + c];
                    covariances[t][a * k + b] = s2 * v;
                }
        }

        // Rows of each level per term.
        var rowsOfLevel = terms.Select(term =>
        {
            var lists = Enumerable.Range(0, term.LevelCount).Select(_ => new List<int>()).ToArray();
            for (int i = 0; i < n; i++) lists[term.LevelOfRow[i]].Add(i);
            return lists.Select(l => l.ToArray()).ToArray();
        }).ToArray();

        // Σ, dense (lower triangle is enough for the factorisation; fill both).
        var sigmaMatrix = new double[(long)n * n];
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount;
            foreach (var rows in rowsOfLevel[t])
                foreach (int i in rows)
                    foreach (int j in rows)
                    {
                        double v = 0;
                        for (int a = 0; a < k; a++)
                            for (int b = 0; b < k; b++) v += term.Z[i * k + a] * covariances[t][a * k + b] * term.Z[j * k + b];
                        sigmaMatrix[(long)i * n + j] += v;
                    }
        }
        for (int i = 0; i < n; i++) sigmaMatrix[(long)i * n + i] += s2;
        if (!DenseCholesky.Factor(sigmaMatrix, n))
            throw new InputException("Kenward-Roger: the marginal covariance is not positive definite");
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) sigmaMatrix[(long)i * n + j] = 0;
        DenseCholesky.InvertLower(sigmaMatrix, n);
        var li = sigmaMatrix;
        var m = new double[(long)n * n];
        Parallel.For(0, n, a =>
        {
            for (int b = 0; b <= a; b++)
            {
                double v = 0;
                for (int k = a; k < n; k++) v += li[(long)k * n + a] * li[(long)k * n + b];
                m[(long)a * n + b] = v;
            }
        });
        for (int a = 0; a < n; a++)
            for (int b = 0; b < a; b++) m[(long)b * n + a] = m[(long)a * n + b];

        var x = design.X;
        var mx = new double[n * p];
        Parallel.For(0, n, r =>
        {
            for (int i = 0; i < n; i++)
            {
                double v = m[(long)r * n + i];
                if (v == 0) continue;
                for (int c = 0; c < p; c++) mx[r * p + c] += v * x[i * p + c];
            }
        });
        var xmx = new double[p * p];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) xmx[a * p + b] += x[i * p + a] * mx[i * p + b];
        var phi = SmallMatrix.Inverse(xmx, p) ?? throw new InputException("Kenward-Roger: X'Σ⁻¹X is singular");

        // Parameters: (term, a, b) with a ≥ b, then the residual (term −1).
        var parameters = new List<(int Term, int A, int B)>();
        for (int t = 0; t < terms.Count; t++)
            for (int b = 0; b < terms[t].ColumnCount; b++)
                for (int a = b; a < terms[t].ColumnCount; a++) parameters.Add((t, a, b));
        parameters.Add((-1, 0, 0));
        int r = parameters.Count;

        // S[t][a][row, level] = Σ_{i ∈ level} M[row, i] z_a[i].
        var s = new double[terms.Count][][];
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount, q = term.LevelCount;
            s[t] = new double[k][];
            for (int a = 0; a < k; a++)
            {
                var values = new double[(long)n * q];
                int ta = a;
                Parallel.For(0, n, row =>
                {
                    for (int i = 0; i < n; i++)
                        values[(long)row * q + term.LevelOfRow[i]] += m[(long)row * n + i] * term.Z[i * k + ta];
                });
                s[t][a] = values;
            }
        }

        // (M G_r)[row, col].
        double MG(int index, int row, int col)
        {
            var (t, a, b) = parameters[index];
            if (t < 0) return m[(long)row * n + col];
            var term = terms[t];
            int k = term.ColumnCount, q = term.LevelCount, level = term.LevelOfRow[col];
            double v = term.Z[col * k + b] * s[t][a][(long)row * q + level];
            if (a != b) v += term.Z[col * k + a] * s[t][b][(long)row * q + level];
            return v;
        }

        // K_r = G_r (M X), n×p.
        double[] GTimes(int index, double[] y)
        {
            var (t, a, b) = parameters[index];
            if (t < 0) return (double[])y.Clone();
            var term = terms[t];
            int k = term.ColumnCount;
            var result = new double[n * p];
            foreach (var rows in rowsOfLevel[t])
            {
                var sumA = new double[p];
                var sumB = new double[p];
                foreach (int j in rows)
                    for (int c = 0; c < p; c++)
                    {
                        sumA[c] += term.Z[j * k + a] * y[j * p + c];
                        sumB[c] += term.Z[j * k + b] * y[j * p + c];
                    }
                foreach (int i in rows)
                    for (int c = 0; c < p; c++)
                        result[i * p + c] = a == b
                            ? term.Z[i * k + a] * sumA[c]
                            : term.Z[i * k + a] * sumB[c] + term.Z[i * k + b] * sumA[c];
            }
            return result;
        }

        var kMats = Enumerable.Range(0, r).Select(i => GTimes(i, mx)).ToArray();
        var pMats = kMats.Select(k => SmallMatrix.TransposeMultiply(mx, k, n, p, p)).ToArray();
        var mk = kMats.Select(k =>
        {
            var result = new double[n * p];
            Parallel.For(0, n, row =>
            {
                for (int i = 0; i < n; i++)
                {
                    double v = m[(long)row * n + i];
                    if (v == 0) continue;
                    for (int c = 0; c < p; c++) result[row * p + c] += v * k[i * p + c];
                }
            });
            return result;
        }).ToArray();
        var qMats = new double[r, r][];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++) qMats[i, j] = SmallMatrix.TransposeMultiply(kMats[i], mk[j], n, p, p);

        var ie2 = new double[r * r];
        for (int i = 0; i < r; i++)
            for (int j = 0; j <= i; j++)
            {
                int ii = i, jj = j;
                var partial = new double[n];
                Parallel.For(0, n, row =>
                {
                    double v = 0;
                    for (int col = 0; col < n; col++) v += MG(ii, row, col) * MG(jj, col, row);
                    partial[row] = v;
                });
                double trace = partial.Sum();
                double trPhiQ = SmallMatrix.Trace(SmallMatrix.Multiply(phi, qMats[i, j], p, p, p), p);
                double trPhiPPhiP = SmallMatrix.Trace(SmallMatrix.Multiply(SmallMatrix.Multiply(phi, pMats[i], p, p, p),
                    SmallMatrix.Multiply(phi, pMats[j], p, p, p), p, p, p), p);
                ie2[i * r + j] = ie2[j * r + i] = trace - 2 * trPhiQ + trPhiPPhiP;
            }
        var w = SmallMatrix.Inverse(ie2, r) ?? throw new InputException("Kenward-Roger: the information matrix of the variance parameters is singular");
        for (int i = 0; i < w.Length; i++) w[i] *= 2;

        var u = new double[p * p];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
            {
                var pphip = SmallMatrix.Multiply(SmallMatrix.Multiply(pMats[i], phi, p, p, p), pMats[j], p, p, p);
                for (int e = 0; e < p * p; e++) u[e] += w[i * r + j] * (qMats[i, j][e] - pphip[e]);
            }
        var adjustment = SmallMatrix.Multiply(SmallMatrix.Multiply(phi, u, p, p, p), phi, p, p, p);
        var phiA = phi.Select((v, e) => v + 2 * adjustment[e]).ToArray();

        var phiPPhi = pMats.Select(pm => SmallMatrix.Multiply(SmallMatrix.Multiply(phi, pm, p, p, p), phi, p, p, p)).ToArray();
        var se = new double[p];
        var df = new double[p];
        for (int c = 0; c < p; c++)
        {
            se[c] = Math.Sqrt(phiA[c * p + c]);
            // Θ = e_c e_c' / Φ_cc; u_i = Θ Φ P_i Φ has one non-zero row.
            double a1 = 0, a2 = 0;
            for (int i = 0; i < r; i++)
                for (int j = 0; j < r; j++)
                {
                    double ti = phiPPhi[i][c * p + c] / phi[c * p + c];
                    double tj = phiPPhi[j][c * p + c] / phi[c * p + c];
                    a1 += w[i * r + j] * ti * tj;
                    a2 += w[i * r + j] * ti * tj; // tr(u_i u_j) = tr(u_i) tr(u_j) for a single contrast
                }
            df[c] = DenominatorDf(a1, a2, 1);
        }
        return (se, df);
    }

    /// <summary>Kenward and Roger's m from A₁, A₂ and the number of contrasts q.</summary>
    internal static double DenominatorDf(double a1, double a2, int q)
    {
        double b = (a1 + 6 * a2) / (2 * q);
        double g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2);
        double denominator = 3 * q + 2 * (1 - g);
        double c1 = g / denominator, c2 = (q - g) / denominator, c3 = (q + 2 - g) / denominator;
        double v0 = 1 + c1 * b, v1 = 1 - c2 * b, v2 = 1 - c3 * b;
        if (Math.Abs(v0) < 1e-10) v0 = 0;
        double ratio = v1 == 0 ? 0 : (1 - a2 / q) / v1;
        double rho = ratio * ratio * v0 / v2 / q;
        return 4 + (q + 2) / (q * rho - 1);
    }
}
