namespace SparseLmm.Engine;

/// <summary>One level partition's part of the first term's Schur complement against the tail (the fixed-effects and
/// response rows), kept contiguous while the levels are added: in the supernodal factor a rest row's tail entries lie
/// a supernode's width apart, so adding a level there is a strided scatter per entry, where here it is a few vector
/// operations (<see cref="SupernodalRestFactor.AddLevel"/>).</summary>
internal sealed class TailWorkspace
{
    /// <summary>Allocates the workspace for <paramref name="randomRows"/> random-effects rest rows, a tail of
    /// <paramref name="tail"/> rows and a first term of <paramref name="firstColumns"/> columns.</summary>
    public TailWorkspace(int randomRows, int tail, int firstColumns)
    {
        PaddedTail = (tail + 3) & ~3;
        Columns = new double[(long)randomRows * tail];
        Square = new double[tail * PaddedTail];
        Vectors = new double[firstColumns * PaddedTail];
    }

    /// <summary>The tail's length rounded up to whole 256-bit vectors; the padding of <see cref="Vectors"/> stays 0.</summary>
    public int PaddedTail { get; }

    /// <summary>Row r's entries against the tail, r × tail + a.</summary>
    public double[] Columns { get; }

    /// <summary>The tail against itself, a full square of rows <see cref="PaddedTail"/> long (the lower triangle is used).</summary>
    public double[] Square { get; }

    /// <summary>The current level's tail values, one padded vector per first-term column.</summary>
    public double[] Vectors { get; }
}
