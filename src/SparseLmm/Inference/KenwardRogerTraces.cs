using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Inference;

/// <summary>The matrices Kenward and Roger's adjustment is made of, computed through the penalized system's blocks
/// instead of n×n matrices. With σ = 1 (every piece is homogeneous in σ, and the adjustment is invariant to it),
/// V = I + Z̃Z̃' with Z̃ = ZΛ, A = Z̃'Z̃ + I and M = V⁻¹ = I − Z̃A⁻¹Z̃' (Woodbury).
/// <para>The covariance parameters are taken in the spherical basis: for term t, the directions Ẽ = I ⊗ E (E a
/// symmetric unit matrix), i.e. ∂V = Z̃ẼZ̃', which span the same space as pbkrtest's Z(I ⊗ E)Z' when each T is
/// invertible, so the adjusted covariance and the df are the same (Kenward–Roger is invariant to a linear
/// reparameterization of the variance parameters). Then, with F = Z̃'MX = A⁻¹Z̃'X and Z̃'MZ̃ = I − A⁻¹:
/// P_r = F'ẼrF, Q_rs = F'Ẽr(I − A⁻¹)ẼsF, tr(MG_rMG_s) = tr(ẼrẼs) − 2 tr(ẼrA⁻¹Ẽs) + tr(ẼrA⁻¹ẼsA⁻¹), and for the
/// residual (∂V = I) P = X'MX − F'F, Q_re = F'ẼrA⁻¹F, Q_ee = X'MX − F'F − F'A⁻¹F, tr(MG_rM) = tr(Ẽr(A⁻¹ − A⁻²)),
/// tr(M²) = n − q + tr(A⁻²).</para>
/// <para>A⁻¹ comes from the first term's elimination: A⁻¹ = blockdiag(A₁₁⁻¹) + U S⁻¹ U' with U = [−A₁₁⁻¹A₁₂; I] and S
/// the Schur complement over the other terms' random effects (q₂ of them). The first term's blocks and rows of L₂₁
/// come from <see cref="ProfiledDeviance.FirstLevelRows"/>; S (with the fixed-effect columns beside it) is formed
/// densely from the cross-products and inverted. The cost is one pass over the first term's levels of
/// O(k₁·pattern·q₂) work each, plus O(q₂³); the memory is a few dense q₂×q₂ matrices: that, and not the number of
/// rows, is the limit.</para></summary>
internal sealed partial class KenwardRogerTraces
{
    private KenwardRogerTraces(int count, double[] fixedInformation, double[][] p, double[][] q, double[] k)
    {
        Count = count;
        FixedInformation = fixedInformation;
        P = p;
        Q = q;
        K = k;
    }

    /// <summary>Number of covariance parameters: every term's (a ≥ b) entries, then the residual variance.</summary>
    public int Count { get; }

    /// <summary>X'MX (p×p, in the engine's internal coordinates of X).</summary>
    public double[] FixedInformation { get; }

    /// <summary>P_r = X'M G_r M X, p×p each.</summary>
    public double[][] P { get; }

    /// <summary>Q_rs = X'M G_r M G_s M X at [r·Count + s], p×p each.</summary>
    public double[][] Q { get; }

    /// <summary>tr(M G_r M G_s), Count × Count.</summary>
    public double[] K { get; }

    /// <summary>Computes the pieces at <paramref name="theta"/> over the fit's cross-products.</summary>
    /// <exception cref="InputException">A term's covariance is singular, or the dense matrices over the random effects
    /// after the first term would not fit in memory.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired (it is looked at once per level of
    /// the first term in each pass over them).</exception>
    public static KenwardRogerTraces Compute(FitSource source, double[] theta, CancellationToken cancellation = default)
    {
        var layout = source.Products.Layout;
        var terms = layout.Terms;
        int k1 = layout.First.ColumnCount, levels = layout.First.LevelCount, q2 = layout.RestRandomSize;
        int p = layout.FixedEffectCount, m2 = q2 + p;
        var deviance = new ProfiledDeviance(source.Products, reml: true);
        var factors = terms.Select((term, t) =>
        {
            var factor = new double[term.ColumnCount * term.ColumnCount];
            deviance.Parameterization.FillFactor(theta, t, factor);
            return factor;
        }).ToArray();
        for (int t = 0; t < terms.Count; t++)
            for (int a = 0; a < terms[t].ColumnCount; a++)
                if (factors[t][a * terms[t].ColumnCount + a] == 0)
                    throw new InputException($"Kenward-Roger: the fit is singular (the covariance of the {terms[t].GroupName} term has a zero variance or a correlation of ±1), so its variance parameters have no information to adjust by; use --ddf satterthwaite");

        var parameters = new List<(int Term, double[] E)>();
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            for (int b = 0; b < k; b++)
                for (int a = b; a < k; a++)
                {
                    var e = new double[k * k];
                    e[a * k + b] = e[b * k + a] = 1;
                    parameters.Add((t, e));
                }
        }
        int random = parameters.Count, count = random + 1;
        long bytes = (long)(random + 5) * q2 * q2 * sizeof(double);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available / 2)
            throw new InputException($"Kenward-Roger needs {random + 5} dense {q2}x{q2} matrices over the random effects after the first term ({bytes / 1e9:F1} GB), more than half the {available / 1e9:F1} GB available; use --ddf satterthwaite");
        if (!deviance.FactorAt(theta))
            throw new InputException("Kenward-Roger: the penalized system is not positive definite at the estimates");

        // The first term's levels: A₁₁⁻¹ per level, Y = A₁₁⁻¹A₁₂ and A₁₁⁻¹Λ₁'Z₁'X per pattern entry (k₁ values each),
        // and their contribution to the Schur complement over [rest random effects, X].
        int entries = layout.PatternRow.Length;
        var solved = new double[entries * k1];
        var levelInverse = new double[levels * k1 * k1];
        var schur = new double[m2 * m2];
        var block = new double[k1 * k1];
        var rows = new double[layout.MaxPatternLength * k1];
        var unit = new double[k1];
        for (int level = 0; level < levels; level++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!deviance.FirstLevelRows(level, block, rows))
                throw new InputException("Kenward-Roger: the penalized system is not positive definite at the estimates");
            int start = layout.PatternStart[level], length = Used(layout, level);
            for (int e = 0; e < length; e++)
            {
                int row = layout.PatternRow[start + e];
                for (int f = 0; f <= e; f++)
                {
                    double value = 0;
                    for (int a = 0; a < k1; a++) value += rows[e * k1 + a] * rows[f * k1 + a];
                    schur[row * m2 + layout.PatternRow[start + f]] -= value;
                }
                var y = solved.AsSpan((start + e) * k1, k1);
                rows.AsSpan(e * k1, k1).CopyTo(y);
                SmallMatrix.SolveLowerTransposed(block, k1, y);
            }
            for (int c = 0; c < k1; c++)
            {
                Array.Clear(unit);
                unit[c] = 1;
                SmallMatrix.SolveLower(block, k1, unit);
                SmallMatrix.SolveLowerTransposed(block, k1, unit);
                for (int a = 0; a < k1; a++) levelInverse[(level * k1 + a) * k1 + c] = unit[a];
            }
        }
        AddScaledRest(source.Products, factors, schur, m2);

        // S⁻¹ (q₂×q₂), then F = A⁻¹Z̃'X: its rest rows S⁻¹H and its first-term rows per level.
        var inverse = DenseInverse(schur, m2, q2, layout.Threads);
        var fRest = new double[q2 * p];
        for (int i = 0; i < q2; i++)
            for (int j = 0; j < q2; j++)
            {
                double s = inverse[(long)i * q2 + j];
                for (int c = 0; c < p; c++) fRest[i * p + c] += s * schur[j * m2 + q2 + c];
            }
        var information = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
            {
                double value = schur[Math.Max(q2 + a, q2 + b) * m2 + Math.Min(q2 + a, q2 + b)];
                for (int i = 0; i < q2; i++) value -= schur[i * m2 + q2 + a] * fRest[i * p + b];
                information[a * p + b] = value;
            }
        var fFirst = new double[levels * k1 * p];
        for (int level = 0; level < levels; level++)
        {
            cancellation.ThrowIfCancellationRequested();
            int start = layout.PatternStart[level], length = Used(layout, level);
            var f = fFirst.AsSpan(level * k1 * p, k1 * p);
            for (int e = 0; e < length; e++)
            {
                int row = layout.PatternRow[start + e];
                var y = solved.AsSpan((start + e) * k1, k1);
                for (int a = 0; a < k1; a++)
                    if (row >= q2) f[a * p + row - q2] += y[a];
                    else
                        for (int c = 0; c < p; c++) f[a * p + c] -= y[a] * fRest[row * p + c];
            }
        }

        // Per level: V' = Y S⁻¹[pattern, :] (k₁×q₂), giving Ω = Y S⁻¹[pattern, pattern] Y' and each first-term
        // parameter's rows of K_rS⁻¹ (K_r = U'ẼrU); the rest's parameters take rows of S⁻¹ directly.
        var kInverse = Enumerable.Range(0, random).Select(_ => new double[(long)q2 * q2]).ToArray();
        var diagonalInverse = new double[levels * k1 * k1]; // (A⁻¹)_ll = A₁₁⁻¹ + Ω
        var firstThird = new double[random * random]; // Σ_l tr(E_r B E_s B) + 2 tr(Ω E_r B E_s)
        var v = new double[k1 * q2];
        var coefficients = new double[k1];
        for (int level = 0; level < levels; level++)
        {
            cancellation.ThrowIfCancellationRequested();
            int start = layout.PatternStart[level], length = RandomEntries(layout, level, q2);
            Array.Clear(v);
            for (int e = 0; e < length; e++)
            {
                int row = layout.PatternRow[start + e];
                var inverseRow = inverse.AsSpan(row * q2, q2);
                for (int a = 0; a < k1; a++) Axpy(solved[(start + e) * k1 + a], inverseRow, v.AsSpan(a * q2, q2));
            }
            var b = levelInverse.AsSpan(level * k1 * k1, k1 * k1);
            var omega = new double[k1 * k1];
            for (int a = 0; a < k1; a++)
                for (int c = 0; c < k1; c++)
                {
                    double value = 0;
                    for (int e = 0; e < length; e++) value += v[a * q2 + layout.PatternRow[start + e]] * solved[(start + e) * k1 + c];
                    omega[a * k1 + c] = value;
                    diagonalInverse[(level * k1 + a) * k1 + c] = b[a * k1 + c] + value;
                }
            for (int r = 0; r < random && parameters[r].Term == 0; r++)
            {
                var er = parameters[r].E;
                for (int e = 0; e < length; e++)
                {
                    // Row (pattern e) of Y'E_r V'.
                    for (int a = 0; a < k1; a++)
                    {
                        double value = 0;
                        for (int c = 0; c < k1; c++) value += solved[(start + e) * k1 + c] * er[c * k1 + a];
                        coefficients[a] = value;
                    }
                    var target = kInverse[r].AsSpan(layout.PatternRow[start + e] * q2, q2);
                    for (int a = 0; a < k1; a++) Axpy(coefficients[a], v.AsSpan(a * q2, q2), target);
                }
                for (int s = 0; s <= r; s++)
                {
                    var es = parameters[s].E;
                    var erB = SmallMatrix.Multiply(er, b, k1, k1, k1);
                    var esB = SmallMatrix.Multiply(es, b, k1, k1, k1);
                    double value = SmallMatrix.Trace(SmallMatrix.Multiply(erB, esB, k1, k1, k1), k1)
                        + 2 * SmallMatrix.Trace(SmallMatrix.Multiply(omega, SmallMatrix.Multiply(erB, es, k1, k1, k1), k1, k1, k1), k1);
                    firstThird[r * random + s] += value;
                    if (s != r) firstThird[s * random + r] += value;
                }
            }
        }
        for (int r = 0; r < random; r++)
        {
            var (t, er) = parameters[r];
            if (t == 0) continue;
            int k = terms[t].ColumnCount, offset = layout.RestTermOffset[t];
            for (int level = 0; level < terms[t].LevelCount; level++)
                for (int a = 0; a < k; a++)
                    for (int c = 0; c < k; c++)
                        if (er[a * k + c] != 0)
                            Axpy(er[a * k + c], inverse.AsSpan((offset + level * k + c) * q2, q2),
                                kInverse[r].AsSpan((offset + level * k + a) * q2, q2));
        }

        // tr(ẼrA⁻¹ẼsA⁻¹) for every pair of random parameters.
        var third = new double[random * random];
        for (int r = 0; r < random; r++)
            for (int s = 0; s <= r; s++)
            {
                double value = firstThird[r * random + s];
                var xr = kInverse[r];
                var xs = kInverse[s];
                for (int i = 0; i < q2; i++)
                    for (int j = 0; j < q2; j++) value += xr[(long)i * q2 + j] * xs[(long)j * q2 + i];
                third[r * random + s] = third[s * random + r] = value;
            }

        // tr(ẼrA⁻¹) over the term's own diagonal blocks, and tr(ẼrA⁻¹Ẽs) for two parameters of one term.
        double[] DiagonalBlock(int t, int level)
        {
            int k = terms[t].ColumnCount;
            if (t == 0) return diagonalInverse.AsSpan(level * k * k, k * k).ToArray();
            int offset = layout.RestTermOffset[t] + level * k;
            var result = new double[k * k];
            for (int a = 0; a < k; a++)
                for (int c = 0; c < k; c++) result[a * k + c] = inverse[(long)(offset + a) * q2 + offset + c];
            return result;
        }
        var second = new double[random * random];
        var firstTrace = new double[random];
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount;
            for (int level = 0; level < terms[t].LevelCount; level++)
            {
                var d = DiagonalBlock(t, level);
                for (int r = 0; r < random; r++)
                {
                    if (parameters[r].Term != t) continue;
                    var dEr = SmallMatrix.Multiply(d, parameters[r].E, k, k, k);
                    firstTrace[r] += SmallMatrix.Trace(dEr, k);
                    for (int s = 0; s < random; s++)
                        if (parameters[s].Term == t)
                            second[r * random + s] += SmallMatrix.Trace(SmallMatrix.Multiply(parameters[s].E, dEr, k, k, k), k);
                }
            }
        }

        var kMatrix = new double[count * count];
        var isDiagonal = parameters.Select(x => Enumerable.Range(0, terms[x.Term].ColumnCount).Any(a =>
            x.E[a * terms[x.Term].ColumnCount + a] == 1)).ToArray();
        double traceInverseSquared = 0;
        for (int r = 0; r < random; r++)
        {
            var (t, er) = parameters[r];
            for (int s = 0; s < random; s++)
            {
                double first = parameters[s].Term == t
                    ? terms[t].LevelCount * SmallMatrix.Trace(SmallMatrix.Multiply(er, parameters[s].E, terms[t].ColumnCount, terms[t].ColumnCount, terms[t].ColumnCount), terms[t].ColumnCount)
                    : 0;
                kMatrix[r * count + s] = first - 2 * second[r * random + s] + third[r * random + s];
            }
            double withIdentity = 0;
            for (int s = 0; s < random; s++)
                if (isDiagonal[s]) withIdentity += third[r * random + s];
            kMatrix[r * count + random] = kMatrix[random * count + r] = firstTrace[r] - withIdentity;
            if (isDiagonal[r]) traceInverseSquared += withIdentity;
        }
        int totalRandom = levels * k1 + q2;
        kMatrix[random * count + random] = layout.RowCount - totalRandom + traceInverseSquared;

        // P and Q: G_r = ẼrF and U_r = U'G_r (q₂×p), accumulated level by level for the first term.
        var pMatrices = Enumerable.Range(0, count).Select(_ => new double[p * p]).ToArray();
        var qMatrices = Enumerable.Range(0, count * count).Select(_ => new double[p * p]).ToArray();
        var uMatrices = Enumerable.Range(0, count).Select(_ => new double[q2 * p]).ToArray(); // last: U'F
        var fTf = new double[p * p];
        var fBf = new double[p * p];
        var g = Enumerable.Range(0, random).Select(_ => new double[k1 * p]).ToArray();
        for (int level = 0; level < levels; level++)
        {
            cancellation.ThrowIfCancellationRequested();
            int start = layout.PatternStart[level], length = RandomEntries(layout, level, q2);
            var f = fFirst.AsSpan(level * k1 * p, k1 * p).ToArray();
            var b = levelInverse.AsSpan(level * k1 * k1, k1 * k1).ToArray();
            var bf = SmallMatrix.Multiply(b, f, k1, k1, p);
            AddTransposeProduct(fTf, f, f, k1, p);
            AddTransposeProduct(fBf, f, bf, k1, p);
            ScatterU(uMatrices[random], f, solved, layout, start, length, k1, p);
            for (int r = 0; r < random && parameters[r].Term == 0; r++)
            {
                SmallMatrix.Multiply(parameters[r].E, f, k1, k1, p).CopyTo(g[r], 0);
                AddTransposeProduct(pMatrices[r], f, g[r], k1, p);
                ScatterU(uMatrices[r], g[r], solved, layout, start, length, k1, p);
                AddTransposeProduct(qMatrices[r * count + random], g[r], bf, k1, p, -1);
                for (int s = 0; s <= r; s++)
                {
                    var bg = SmallMatrix.Multiply(b, g[s], k1, k1, p);
                    AddTransposeProduct(qMatrices[r * count + s], g[r], g[s], k1, p);
                    AddTransposeProduct(qMatrices[r * count + s], g[r], bg, k1, p, -1);
                }
            }
        }
        // The rest rows: U'F adds F's rest rows; a rest parameter's G_r is (I ⊗ E_r) on its term's rows of F.
        for (int i = 0; i < q2 * p; i++) uMatrices[random][i] += fRest[i];
        AddTransposeProduct(fTf, fRest, fRest, q2, p);
        for (int r = 0; r < random; r++)
        {
            var (t, er) = parameters[r];
            if (t == 0) continue;
            int k = terms[t].ColumnCount, offset = layout.RestTermOffset[t];
            var gr = uMatrices[r];
            for (int level = 0; level < terms[t].LevelCount; level++)
                for (int a = 0; a < k; a++)
                    for (int c = 0; c < k; c++)
                        for (int j = 0; j < p; j++)
                            gr[(offset + level * k + a) * p + j] += er[a * k + c] * fRest[(offset + level * k + c) * p + j];
            AddTransposeProduct(pMatrices[r], fRest, gr, q2, p);
            for (int s = 0; s <= r; s++)
                if (parameters[s].Term == t) AddTransposeProduct(qMatrices[r * count + s], gr, uMatrices[s], q2, p);
        }
        // −U_r' S⁻¹ U_s for every pair, the residual's column included.
        var inverseU = uMatrices.Select(u => MultiplyDense(inverse, u, q2, p)).ToArray();
        for (int r = 0; r < count; r++)
            for (int s = 0; s <= r; s++)
            {
                if (r == random && s == random) continue;
                int rr = r, ss = s;
                if (r == random) (rr, ss) = (s, r);
                AddTransposeProduct(qMatrices[rr * count + ss], uMatrices[rr], inverseU[ss], q2, p, -1);
            }
        // Q_re = G_r'A⁻¹F: the first term's G_r'BF was subtracted above with the sign of Q_rs; flip it.
        for (int r = 0; r < random; r++)
        {
            var q = qMatrices[r * count + random];
            for (int i = 0; i < q.Length; i++) q[i] = -q[i];
            qMatrices[random * count + r] = Transpose(q, p);
        }
        // Residual: P_e = X'MX − F'F, Q_ee = X'MX − F'F − F'A⁻¹F.
        var fAf = (double[])fBf.Clone();
        AddTransposeProduct(fAf, uMatrices[random], inverseU[random], q2, p);
        for (int i = 0; i < p * p; i++)
        {
            pMatrices[random][i] = information[i] - fTf[i];
            qMatrices[random * count + random][i] = information[i] - fTf[i] - fAf[i];
        }
        for (int r = 0; r < random; r++)
            for (int s = 0; s < r; s++) qMatrices[s * count + r] = Transpose(qMatrices[r * count + s], p);
        return new KenwardRogerTraces(count, information, pMatrices, qMatrices, kMatrix);
    }
}
