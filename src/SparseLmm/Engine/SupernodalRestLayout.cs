using SparseLmm.Numerics.Sparse;

namespace SparseLmm.Engine;

/// <summary>Where every entry of the rest lands in a supernodal factor's storage, resolved once per model so that
/// neither the one pass over the rows nor an evaluation searches.
/// <para>Any two random-effects rest rows that meet in a data row or through the first term share a first-term
/// level's pattern, so the positions of each level's pattern pairs (lower triangle, in pattern order) cover both the
/// cross-products and the first term's Schur complement. A random-effects row against the fixed-effects and response
/// rows lands in its column's tail rows, at a fixed stride; the tail against itself is the last, dense, block.</para></summary>
internal sealed class SupernodalRestLayout
{
    /// <summary>Resolves the positions of <paramref name="layout"/>'s entries in <paramref name="structure"/>.</summary>
    public SupernodalRestLayout(CrossProductLayout layout, SupernodalStructure structure)
    {
        Structure = structure;
        int random = layout.RestRandomSize, tail = layout.RestSize - random;
        TailSize = tail;
        TailStart = checked((int)structure.ValueStart[structure.SupernodeCount - 1]);
        if (structure.ValueCount > Array.MaxLength) throw new InvalidOperationException("the sparse factor is too large");

        TailPosition = new int[random];
        ColumnStride = new int[random];
        DiagonalPosition = new int[random];
        for (int row = 0; row < random; row++)
        {
            int column = structure.InversePermutation[row], supernode = structure.SupernodeOfColumn[column];
            int width = structure.Width(supernode), height = structure.Height(supernode);
            int offset = column - structure.SupernodeStart[supernode];
            long start = structure.ValueStart[supernode];
            TailPosition[row] = (int)(start + (long)(height - tail) * width + offset);
            ColumnStride[row] = width;
            DiagonalPosition[row] = (int)(start + (long)offset * width + offset);
        }

        int levels = layout.First.LevelCount;
        LevelPairStart = new int[levels + 1];
        long pairs = 0;
        for (int level = 0; level < levels; level++)
        {
            long count = RandomEntries(layout, level);
            pairs += count * (count + 1) / 2;
            if (pairs > Array.MaxLength) throw new InvalidOperationException("the sparse factor's pattern pairs are too many");
            LevelPairStart[level + 1] = (int)pairs;
        }
        PairPosition = new int[pairs];
        for (int level = 0; level < levels; level++)
        {
            int start = layout.PatternStart[level], count = RandomEntries(layout, level), at = LevelPairStart[level];
            for (int e = 0; e < count; e++)
            {
                int a = structure.InversePermutation[layout.PatternRow[start + e]];
                for (int f = 0; f <= e; f++)
                {
                    int b = structure.InversePermutation[layout.PatternRow[start + f]];
                    long position = a >= b ? structure.Position(a, b) : structure.Position(b, a);
                    if (position < 0) throw new InvalidOperationException("a pattern pair is missing from the sparse factor's structure");
                    PairPosition[at++] = (int)position;
                }
            }
        }

        // A level's columns must stay consecutive and in order (the mirror of its own block relies on it).
        for (int row = 1; row < random; row++)
            if (layout.RestRowTerm[row] == layout.RestRowTerm[row - 1]
                && (row - layout.RestTermOffset[layout.RestRowTerm[row]]) % layout.Terms[layout.RestRowTerm[row]].ColumnCount != 0
                && structure.InversePermutation[row] != structure.InversePermutation[row - 1] + 1)
                throw new InvalidOperationException("a level's columns were separated by the sparse ordering");

        TermOfColumn = new int[random];
        for (int t = 1; t < layout.Terms.Count; t++)
            for (int r = 0; r < layout.Terms[t].Size; r++)
                TermOfColumn[structure.InversePermutation[layout.RestTermOffset[t] + r]] = t;
    }

    /// <summary>The factor's structure.</summary>
    public SupernodalStructure Structure { get; }

    /// <summary>Rows and columns of the dense tail: p fixed effects and the response.</summary>
    public int TailSize { get; }

    /// <summary>Where the tail's row-major block starts in the values.</summary>
    public int TailStart { get; }

    /// <summary>For each random-effects rest row: the position of its entry in the first tail row.</summary>
    public int[] TailPosition { get; }

    /// <summary>For each random-effects rest row: the distance between consecutive rows of its column.</summary>
    public int[] ColumnStride { get; }

    /// <summary>For each random-effects rest row: the position of its diagonal entry.</summary>
    public int[] DiagonalPosition { get; }

    /// <summary>Level l's pattern pairs (e ≥ f among its random-effects entries, row by row) are at
    /// PairPosition[LevelPairStart[l] + e(e+1)/2 + f].</summary>
    public int[] LevelPairStart { get; }

    /// <summary>Positions of the pattern pairs.</summary>
    public int[] PairPosition { get; }

    /// <summary>The term of each factor column (permuted numbering).</summary>
    public int[] TermOfColumn { get; }

    /// <summary>Position of the entry of the rest rows <paramref name="row"/> and <paramref name="column"/> (rest
    /// numbering, either order), or −1 when it is structurally zero.</summary>
    public long Position(int row, int column)
    {
        int random = Structure.SparseColumns;
        int a = row < random ? Structure.InversePermutation[row] : row;
        int b = column < random ? Structure.InversePermutation[column] : column;
        return a >= b ? Structure.Position(a, b) : Structure.Position(b, a);
    }

    /// <summary>Number of random-effects entries in level <paramref name="level"/>'s pattern (the tail follows them).</summary>
    public static int RandomEntries(CrossProductLayout layout, int level) =>
        layout.PatternStart[level + 1] - layout.PatternStart[level] - (layout.RestSize - layout.RestRandomSize);
}
