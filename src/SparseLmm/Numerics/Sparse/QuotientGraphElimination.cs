using System.Diagnostics;

namespace SparseLmm.Numerics.Sparse;

/// <summary>
/// The state of one approximate minimum degree run (see <see cref="ApproximateMinimumDegree"/> for the method): the
/// quotient graph in one integer array, the degree lists, the marks and the supervariable bookkeeping.
/// </summary>
/// <remarks>
/// All lists live in <see cref="storage"/>. A variable's list is its elements E_i followed by its variables A_i
/// (<see cref="elementCount"/> tells where E_i ends); an element's list is L_e. Lists never grow in place: updating
/// variable i ∈ L_p removes p from A_i or an absorbed element from E_i before it adds p. New elements are written
/// after <see cref="used"/>; when the free tail is too short, <see cref="Compact"/> squeezes out dead lists.
/// <para><b>Which degree picks the pivot.</b> The bound kept per supervariable is AMD's external degree, but the pivot
/// is the variable of least approximate <i>true</i> degree (external degree + weight − 1, the degree each member node
/// has). With the external degree, a nested hierarchy (levels of nested grouping factors: each level adjacent to its
/// ancestors and descendants, a graph with a no-fill ordering) fills in: a merged chain of ancestors, say a school
/// and its only class, looks no bigger than the leaves below it and is eliminated before them, joining leaves that
/// were not adjacent. Random three- to five-level hierarchies filled in 90–100 % of cases with the external degree and
/// never with the true degree; the price is a few per cent more fill on grids (30 × 30: 10,184 against 9,944 entries
/// of L; 200 × 200: 8 %), while random sparse graphs came out slightly better.</para>
/// </remarks>
internal sealed class QuotientGraphElimination
{
    private const int Variable = 0;  // principal (representative) uneliminated variable
    private const int Element = 1;   // eliminated pivot whose element is still live
    private const int Absorbed = 2;  // element absorbed by another, or variable merged into a supervariable or pivot
    private const int Dense = 3;     // taken out of the graph and ordered last

    /// <summary>What the list scans read for every entry they meet, in one 16-byte record, so that an entry costs one
    /// cache miss rather than one per array (the scans jump all over the graph) and the records of a 200,000-node
    /// graph fit in a few megabytes of cache.</summary>
    private struct NodeState
    {
        public int Kind;
        public int Weight;        // variables: original nodes the supervariable stands for; elements: weighted |L_e|
        public int Mark;          // == the current stamp: marked (in L_p ∪ {p}, element seen, entry of a compared list)
        public int OutsidePivot;  // elements touching L_p: weighted |L_e \ L_p|
    }

    private readonly int n;
    private readonly NodeState[] nodes;
    private readonly int[] start;         // first position of the node's list in storage
    private readonly int[] length;        // length of the node's list
    private readonly int[] elementCount;  // variables: |E_i|, at the head of the list
    private readonly int[] degree;        // variables: approximate external degree
    private readonly int[] storage;
    private int used;

    private readonly int[] degreeHead;    // first variable of each list key (−1: none)
    private readonly int[] degreeNext;
    private readonly int[] degreePrevious;
    private int minimumDegree;

    // Marks are stamps, so clearing is a counter increment. One elimination step draws at most n + 2 of them.
    private int stamp;

    private readonly int[] hashHead;      // supervariable candidates by hash bucket (−1: empty)
    private readonly int[] hashNext;
    private readonly uint[] hash;

    private readonly int[] memberNext;    // original nodes a supervariable or pivot stands for, as a linked list
    private readonly int[] memberTail;
    private readonly int[] pivots;
    private int pivotCount;
    private int remainingWeight;          // uneliminated non-dense nodes

    /// <summary>Builds the initial quotient graph (every node a variable, A_i its distinct neighbours) and takes the
    /// dense nodes out of it.</summary>
    public QuotientGraphElimination(int n, ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency)
    {
        this.n = n;
        nodes = new NodeState[n];
        start = new int[n];
        length = new int[n];
        elementCount = new int[n];
        degree = new int[n];
        degreeHead = new int[n];
        degreeNext = new int[n];
        degreePrevious = new int[n];
        hashHead = new int[n];
        hashNext = new int[n];
        hash = new uint[n];
        memberNext = new int[n];
        memberTail = new int[n];
        pivots = new int[n];
        storage = BuildSymmetricLists(adjacencyStart, adjacency);
        RemoveDenseNodes();

        degreeHead.AsSpan().Fill(-1);
        hashHead.AsSpan().Fill(-1);
        memberNext.AsSpan().Fill(-1);
        for (int i = 0; i < n; i++)
        {
            memberTail[i] = i;
            if (nodes[i].Kind == Dense) continue;
            nodes[i].Weight = 1;
            degree[i] = length[i];
            InsertIntoDegreeList(i);
            remainingWeight++;
        }
    }

    /// <summary>Eliminates every non-dense node, one minimum-degree supervariable at a time.</summary>
    public void Run()
    {
        while (remainingWeight > 0)
            Eliminate(TakeMinimumDegreeVariable());
    }

    /// <summary>The elimination order: each pivot followed by the nodes merged into it, then the dense nodes.</summary>
    public int[] Permutation()
    {
        var permutation = new int[n];
        int position = 0;
        for (int k = 0; k < pivotCount; k++)
            for (int node = pivots[k]; node >= 0; node = memberNext[node])
                permutation[position++] = node;
        for (int i = 0; i < n; i++)
            if (nodes[i].Kind == Dense) permutation[position++] = i;
        return permutation;
    }

    /// <summary>Symmetric, duplicate-free neighbour lists laid out one after the other in a new storage array with
    /// room to spare for new elements. Each edge {i, j} is taken from the list of min(i, j) and written into both.</summary>
    private int[] BuildSymmetricLists(ReadOnlySpan<int> adjacencyStart, ReadOnlySpan<int> adjacency)
    {
        var offsets = new int[n + 1];
        long entries = 0;
        for (int i = 0; i < n; i++)
        {
            for (int position = adjacencyStart[i]; position < adjacencyStart[i + 1]; position++)
            {
                int j = adjacency[position];
                if ((uint)j >= (uint)n)
                    throw new ArgumentException($"Node {i} lists neighbour {j}, outside 0..{n - 1}.", nameof(adjacency));
                if (j <= i) continue;
                offsets[i + 1]++;
                offsets[j + 1]++;
                entries += 2;
            }
        }
        // Room for the lists with duplicates, then 20 % of elbow room plus 2n, so that after a compaction the free
        // tail always holds a new element (|L_p| < n): compactions stay rare and never fail.
        long capacity = entries + entries / 5 + 2L * n;
        if (capacity > Array.MaxLength)
            throw new ArgumentException($"The graph has {entries} adjacency entries, too many to order.", nameof(adjacency));
        var lists = new int[capacity];
        for (int i = 0; i < n; i++) offsets[i + 1] += offsets[i];
        var fill = offsets.AsSpan(0, n).ToArray();
        for (int i = 0; i < n; i++)
        {
            for (int position = adjacencyStart[i]; position < adjacencyStart[i + 1]; position++)
            {
                int j = adjacency[position];
                if (j <= i) continue;
                lists[fill[i]++] = j;
                lists[fill[j]++] = i;
            }
        }
        // Drop duplicates, sliding every list down over the gaps (writes never overtake reads).
        var lastListedBy = new int[n];
        lastListedBy.AsSpan().Fill(-1);
        int write = 0;
        for (int i = 0; i < n; i++)
        {
            start[i] = write;
            for (int position = offsets[i]; position < offsets[i + 1]; position++)
            {
                int j = lists[position];
                if (lastListedBy[j] == i) continue;
                lastListedBy[j] = i;
                lists[write++] = j;
            }
            length[i] = write - start[i];
        }
        used = write;
        return lists;
    }

    /// <summary>Marks nodes of degree above max(16, 10 √n) as dense and deletes them from the other lists.</summary>
    private void RemoveDenseNodes()
    {
        double threshold = Math.Max(16.0, 10.0 * Math.Sqrt(n));
        bool any = false;
        for (int i = 0; i < n; i++)
        {
            if (length[i] <= threshold) continue;
            nodes[i].Kind = Dense;
            any = true;
        }
        if (!any) return;
        int write = 0;
        for (int i = 0; i < n; i++)
        {
            int first = start[i], end = first + length[i];
            start[i] = write;
            if (nodes[i].Kind == Dense) { length[i] = 0; continue; }
            for (int position = first; position < end; position++)
            {
                int j = storage[position];
                if (nodes[j].Kind != Dense) storage[write++] = j;
            }
            length[i] = write - start[i];
        }
        used = write;
    }

    /// <summary>Eliminates supervariable p: forms L_p, updates the variables of L_p (their lists, approximate degrees
    /// and the elements they absorb), merges indistinguishable ones and puts them back in the degree lists.</summary>
    private void Eliminate(int p)
    {
        pivots[pivotCount++] = p;
        remainingWeight -= nodes[p].Weight;
        if (stamp > int.MaxValue - n - 3) ClearMarks();
        int pivotMark = NextStamp();
        int pivotStart = FormPivotElement(p, pivotMark);
        ComputeSizesOutsidePivot(pivotStart, length[p]);
        UpdatePivotVariables(p, pivotStart, length[p], pivotMark);
        DetectSupervariables(pivotStart, length[p]);
        ReinsertPivotVariables(p, pivotStart);
    }

    /// <summary>Writes L_p = (A_p ∪ ⋃_{e ∈ E_p} L_e) \ {p} (principal variables only), absorbs the elements of E_p,
    /// marks L_p ∪ {p} and takes the variables of L_p out of the degree lists (their degrees are about to change).
    /// Returns where L_p starts; p becomes an element.</summary>
    private int FormPivotElement(int p, int mark)
    {
        nodes[p].Mark = mark;
        int pivotElements = elementCount[p];
        int write;
        int pivotStart;
        if (pivotElements == 0)
        {
            // L_p = A_p: written over A_p itself.
            pivotStart = start[p];
            write = AppendNewVariables(start[p], start[p] + length[p], pivotStart, mark, out int size);
            nodes[p].Weight = size;
        }
        else
        {
            EnsureFreeSpace(p);
            int listStart = start[p], listEnd = listStart + length[p];
            pivotStart = used;
            write = used;
            int size = 0;
            for (int position = listStart; position < listStart + pivotElements; position++)
            {
                int e = storage[position];
                if (nodes[e].Kind != Element) continue;
                write = AppendNewVariables(start[e], start[e] + length[e], write, mark, out int added);
                size += added;
                nodes[e].Kind = Absorbed;
                length[e] = 0;
            }
            write = AppendNewVariables(listStart + pivotElements, listEnd, write, mark, out int fromVariables);
            size += fromVariables;
            nodes[p].Weight = size;
            used = write;
        }
        nodes[p].Kind = Element;
        start[p] = pivotStart;
        length[p] = write - pivotStart;
        return pivotStart;
    }

    /// <summary>Appends to <c>storage[write..]</c> the principal variables of a list that are not yet marked, marking
    /// them and taking them out of the degree lists. The list is <c>storage[first .. end)</c>; writing may overlap it
    /// from below. Returns the new write position.</summary>
    private int AppendNewVariables(int first, int end, int write, int mark, out int addedWeight)
    {
        int[] lists = storage;
        addedWeight = 0;
        for (int position = first; position < end; position++)
        {
            int j = lists[position];
            ref NodeState variable = ref nodes[j];
            if (variable.Kind != Variable || variable.Mark == mark) continue;
            variable.Mark = mark;
            lists[write++] = j;
            addedWeight += variable.Weight;
            RemoveFromDegreeList(j);
        }
        return write;
    }

    /// <summary>Before L_p is appended: compacts the storage if its free tail may be too short for L_p, whose size is
    /// bounded by the lists it is formed from and by n.</summary>
    private void EnsureFreeSpace(int p)
    {
        long bound = length[p] - elementCount[p];
        for (int position = start[p]; position < start[p] + elementCount[p]; position++)
        {
            int e = storage[position];
            if (nodes[e].Kind == Element) bound += length[e];
        }
        bound = Math.Min(bound, n);
        if (storage.Length - used < bound) Compact();
    }

    /// <summary>Moves every live list to the front of the storage, in storage order, dropping dead ones. The first
    /// entry of each live list is swapped with the complemented owner (entries are never negative otherwise), so one
    /// sweep finds the lists in order without sorting.</summary>
    private void Compact()
    {
        int[] lists = storage;
        for (int i = 0; i < n; i++)
        {
            if ((nodes[i].Kind != Variable && nodes[i].Kind != Element) || length[i] == 0) continue;
            int first = start[i];
            start[i] = lists[first];
            lists[first] = ~i;
        }
        int write = 0;
        for (int read = 0; read < used;)
        {
            int owner = lists[read];
            if (owner >= 0) { read++; continue; }
            owner = ~owner;
            lists[write] = start[owner];
            start[owner] = write;
            int count = length[owner];
            lists.AsSpan(read + 1, count - 1).CopyTo(lists.AsSpan(write + 1));
            write += count;
            read += count;
        }
        used = write;
    }

    /// <summary>For every element e sharing a variable with L_p: nodes[e].OutsidePivot = weighted |L_e \ L_p|, by starting
    /// from |L_e| and subtracting each variable of L_p found in it.</summary>
    private void ComputeSizesOutsidePivot(int pivotStart, int pivotLength)
    {
        int seen = NextStamp();
        int[] lists = storage;
        for (int position = pivotStart; position < pivotStart + pivotLength; position++)
        {
            int i = lists[position];
            int variableWeight = nodes[i].Weight;
            int first = start[i], end = first + elementCount[i];
            // Branch-free: absorbed elements in E_i get a harmless value too (nothing reads it), which keeps this
            // loop, the most executed one, free of unpredictable branches.
            for (int entry = first; entry < end; entry++)
            {
                ref NodeState element = ref nodes[lists[entry]];
                int before = element.Mark == seen ? element.OutsidePivot : element.Weight;
                element.OutsidePivot = before - variableWeight;
                element.Mark = seen;
            }
        }
    }

    /// <summary>Rewrites the list of every variable i of L_p: drops absorbed elements and elements inside L_p
    /// (aggressive absorption), drops variables of L_p ∪ {p} from A_i (element p now covers them), adds p. Computes
    /// the part of AMD's degree bound outside L_p and the list's hash; a variable left adjacent to p alone is
    /// eliminated with p (mass elimination).</summary>
    private void UpdatePivotVariables(int p, int pivotStart, int pivotLength, int mark)
    {
        int[] lists = storage;
        for (int position = pivotStart; position < pivotStart + pivotLength; position++)
        {
            int i = lists[position];
            int first = start[i];
            int elementsEnd = first + elementCount[i], end = first + length[i];
            int write = first;
            int degreeOutside = 0;
            uint listHash = 0;
            for (int entry = first; entry < elementsEnd; entry++)
            {
                int e = lists[entry];
                ref NodeState element = ref nodes[e];
                if (element.Kind != Element) continue;
                int outside = element.OutsidePivot;
                if (outside == 0)
                {
                    element.Kind = Absorbed;  // L_e ⊆ L_p: p covers it
                    length[e] = 0;
                    continue;
                }
                lists[write++] = e;
                degreeOutside += outside;
                listHash += Mix(e);
            }
            int keptElements = write - first;
            for (int entry = elementsEnd; entry < end; entry++)
            {
                int j = lists[entry];
                ref NodeState variable = ref nodes[j];
                if (variable.Kind != Variable || variable.Mark == mark) continue;
                lists[write++] = j;
                degreeOutside += variable.Weight;
                listHash += Mix(j);
            }
            if (write == first)
            {
                MergeInto(p, i);
                remainingWeight -= nodes[i].Weight;
                nodes[p].Weight -= nodes[i].Weight;
                nodes[i].Weight = 0;
                continue;
            }
            // p joins the elements: it takes the slot of the first variable, which moves to the end (a slot was freed
            // because p ∈ A_i or some element of E_p was in E_i).
            Debug.Assert(write < end, "a variable of L_p must have lost an entry to p or to an absorbed element");
            int variablesStart = first + keptElements;
            if (write > variablesStart) lists[write] = lists[variablesStart];
            lists[variablesStart] = p;
            write++;
            elementCount[i] = keptElements + 1;
            length[i] = write - first;
            degree[i] = Math.Min(degree[i], degreeOutside);
            hash[i] = listHash;
            int bucket = (int)(listHash % (uint)n);
            hashNext[i] = hashHead[bucket];
            hashHead[bucket] = i;
        }
    }

    /// <summary>Finds indistinguishable variables of L_p (equal lists after the update) among those sharing a hash
    /// bucket and merges each group into one supervariable. Empties the buckets it used.</summary>
    private void DetectSupervariables(int pivotStart, int pivotLength)
    {
        int[] lists = storage;
        for (int position = pivotStart; position < pivotStart + pivotLength; position++)
        {
            int variable = lists[position];
            if (nodes[variable].Kind != Variable) continue;
            int bucket = (int)(hash[variable] % (uint)n);
            if (hashHead[bucket] < 0) continue;
            for (int i = hashHead[bucket]; i >= 0; i = hashNext[i])
            {
                if (hashNext[i] < 0) break;
                int listed = -1;
                int previous = i;
                for (int j = hashNext[i]; j >= 0; j = hashNext[j])
                {
                    bool candidate = hash[j] == hash[i] && length[j] == length[i] && elementCount[j] == elementCount[i];
                    if (candidate && listed < 0) listed = MarkList(i);
                    if (candidate && ListIsMarked(j, listed))
                    {
                        MergeInto(i, j);
                        nodes[i].Weight += nodes[j].Weight;
                        nodes[j].Weight = 0;
                        length[j] = 0;
                        degree[i] = Math.Min(degree[i], degree[j]);
                        hashNext[previous] = hashNext[j];
                    }
                    else
                    {
                        previous = j;
                    }
                }
            }
            hashHead[bucket] = -1;
        }
    }

    private int MarkList(int i)
    {
        int listed = NextStamp();
        int first = start[i];
        for (int entry = first; entry < first + length[i]; entry++) nodes[storage[entry]].Mark = listed;
        return listed;
    }

    private bool ListIsMarked(int j, int listed)
    {
        int first = start[j];
        for (int entry = first; entry < first + length[j]; entry++)
            if (nodes[storage[entry]].Mark != listed) return false;
        return true;
    }

    /// <summary>Drops merged and mass-eliminated variables from L_p, finishes AMD's bound (adds |L_p \ i|, caps at the
    /// weight left) and puts the variables back in the degree lists.</summary>
    private void ReinsertPivotVariables(int p, int pivotStart)
    {
        int[] lists = storage;
        int pivotSize = nodes[p].Weight;
        int write = pivotStart;
        for (int position = pivotStart; position < pivotStart + length[p]; position++)
        {
            int i = lists[position];
            if (nodes[i].Kind != Variable) continue;
            lists[write++] = i;
            int bound = Math.Min(degree[i] + pivotSize - nodes[i].Weight, remainingWeight - nodes[i].Weight);
            degree[i] = bound;
            InsertIntoDegreeList(i);
        }
        length[p] = write - pivotStart;
    }

    /// <summary>Node <paramref name="absorbed"/> (a variable) is from now on represented by
    /// <paramref name="representative"/>: its original nodes join the representative's member list.</summary>
    private void MergeInto(int representative, int absorbed)
    {
        nodes[absorbed].Kind = Absorbed;
        memberNext[memberTail[representative]] = absorbed;
        memberTail[representative] = memberTail[absorbed];
    }

    private int TakeMinimumDegreeVariable()
    {
        while (degreeHead[minimumDegree] < 0) minimumDegree++;
        int p = degreeHead[minimumDegree];
        RemoveFromDegreeList(p);
        return p;
    }

    /// <summary>The degree list a variable sits in: its approximate true degree, the external degree plus the other
    /// members of its supervariable (see the class remarks). Degree and weight change only while the variable is out
    /// of the lists, so the key it was inserted with is recomputed on removal.</summary>
    private int ListKey(int i) => degree[i] + nodes[i].Weight - 1;

    private void InsertIntoDegreeList(int i)
    {
        int d = ListKey(i);
        int head = degreeHead[d];
        degreeNext[i] = head;
        degreePrevious[i] = -1;
        if (head >= 0) degreePrevious[head] = i;
        degreeHead[d] = i;
        if (d < minimumDegree) minimumDegree = d;
    }

    private void RemoveFromDegreeList(int i)
    {
        int next = degreeNext[i], previous = degreePrevious[i];
        if (previous >= 0) degreeNext[previous] = next;
        else degreeHead[ListKey(i)] = next;
        if (next >= 0) degreePrevious[next] = previous;
    }

    /// <summary>Spreads node numbers over the 32 bits so sums of different lists rarely collide.</summary>
    private static uint Mix(int node) => (uint)node * 0x9E3779B1u + 0x7F4A7C15u;

    private int NextStamp() => ++stamp;

    /// <summary>Resets every mark, before the stamps could overflow (once per 2³¹ / (n + 3) steps at most).</summary>
    private void ClearMarks()
    {
        for (int i = 0; i < n; i++) nodes[i].Mark = 0;
        stamp = 0;
    }
}
