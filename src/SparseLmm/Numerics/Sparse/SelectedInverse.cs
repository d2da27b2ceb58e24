namespace SparseLmm.Numerics.Sparse;

/// <summary>The entries of (L_S L_S')⁻¹ on the pattern of a supernodal factor's sparse part L_S (the tail excluded),
/// by Takahashi's recurrences, supernode by supernode from the last: with J a supernode's columns, I its sparse rows
/// below them and U = L_IJ L_JJ⁻¹, Σ_IJ = −Σ_II U and Σ_JJ = (L_JJ L_JJ')⁻¹ − U' Σ_IJ. Σ_II lies in the pattern (the
/// rows of a supernode form a clique of the filled graph) and is already known, so only the pattern is ever touched,
/// never a dense inverse. Once per fit (conditional variances), so it allocates as it goes.</summary>
internal static class SelectedInverse
{
    /// <summary>The selected inverse, in the layout of <paramref name="structure"/> (tail positions left zero).</summary>
    public static double[] Compute(SupernodalStructure structure, double[] factor)
    {
        var s = structure;
        int tail = s.TailSize;
        var inverse = new double[s.ValueCount];
        for (int supernode = s.SupernodeCount - 2; supernode >= 0; supernode--)
        {
            int width = s.Width(supernode), height = s.Height(supernode), below = height - width - tail;
            int rowStart = s.RowStart[supernode];
            long start = s.ValueStart[supernode];
            var block = factor.AsSpan((int)start, height * width);

            var diagonalInverse = new double[width * width];
            for (int c = 0; c < width; c++)
                for (int r = 0; r < width; r++) diagonalInverse[r * width + c] = r >= c ? block[r * width + c] : 0;
            DenseCholesky.InvertLower(diagonalInverse, width);

            // U = L_IJ L_JJ⁻¹, row by row.
            var u = new double[below * width];
            for (int i = 0; i < below; i++)
                for (int c = 0; c < width; c++)
                {
                    double value = 0;
                    for (int d = c; d < width; d++) value += block[(width + i) * width + d] * diagonalInverse[d * width + c];
                    u[i * width + c] = value;
                }

            var rows = s.Rows.AsSpan(rowStart + width, below);
            var known = GatherKnown(s, inverse, rows);
            // Σ_IJ = −Σ_II U.
            var target = inverse.AsSpan((int)start, height * width);
            for (int i = 0; i < below; i++)
                for (int c = 0; c < width; c++)
                {
                    double value = 0;
                    for (int k = 0; k < below; k++) value += known[i * below + k] * u[k * width + c];
                    target[(width + i) * width + c] = -value;
                }
            // Σ_JJ = L_JJ⁻ᵀ L_JJ⁻¹ − U' Σ_IJ (lower triangle).
            for (int a = 0; a < width; a++)
                for (int b = 0; b <= a; b++)
                {
                    double value = 0;
                    for (int k = a; k < width; k++) value += diagonalInverse[k * width + a] * diagonalInverse[k * width + b];
                    for (int i = 0; i < below; i++) value -= u[i * width + a] * target[(width + i) * width + b];
                    target[a * width + b] = value;
                }
        }
        return inverse;
    }

    /// <summary>Σ among <paramref name="rows"/> (ascending, all in later supernodes), dense symmetric. Column by
    /// column: the rows from a column on all lie in its supernode's sorted rows, found by one merge walk.</summary>
    private static double[] GatherKnown(SupernodalStructure s, double[] inverse, ReadOnlySpan<int> rows)
    {
        int m = rows.Length;
        var known = new double[m * m];
        for (int j = 0; j < m; j++)
        {
            int column = rows[j], supernode = s.SupernodeOfColumn[column];
            int width = s.Width(supernode), first = s.SupernodeStart[supernode];
            long start = s.ValueStart[supernode];
            int position = s.RowStart[supernode], end = s.RowStart[supernode + 1];
            for (int i = j; i < m; i++)
            {
                while (position < end && s.Rows[position] < rows[i]) position++;
                double value = inverse[start + (long)(position - s.RowStart[supernode]) * width + (column - first)];
                known[i * m + j] = known[j * m + i] = value;
            }
        }
        return known;
    }

    /// <summary>Entry (row, column) of the selected inverse, permuted numbering; both must lie in the pattern.</summary>
    public static double Entry(SupernodalStructure structure, double[] inverse, int row, int column)
    {
        long position = row >= column ? structure.Position(row, column) : structure.Position(column, row);
        if (position < 0) throw new InvalidOperationException("the requested entry of the inverse is outside the factor's pattern");
        return inverse[position];
    }
}
