
namespace SparseLmm.Formulas;

/// <summary>Parses lme4 model formulas such as <c>Reaction ~ 1 + Days + (1 + Days | Subject)</c> into a
/// <see cref="ModelFormula"/>, expanding the formula operators the way R's <c>terms()</c> and lme4 do.</summary>
/// <remarks>
/// <para>Supported: a response expression (a name, a call such as <c>log(y)</c>, or <c>cbind(successes, failures)</c>);
/// right-hand-side terms joined by <c>+</c>, removed with <c>-</c>; intercept control with <c>1</c>, <c>0</c> and
/// <c>- 1</c>; interactions <c>a:b</c>, crossing <c>a*b</c>, nesting <c>a/b</c>, <c>a %in% b</c> and powers
/// <c>(a + b + c)^2</c>; calls to <c>log</c>, <c>exp</c>, <c>sqrt</c> and <c>I</c> whose arguments are arithmetic
/// (<c>+ - * / ^</c>, unary minus, numbers, parentheses, names, nested calls); random-effects terms
/// <c>(lhs | g)</c> and <c>(lhs || g)</c> with grouping <c>g</c>, <c>a:b</c> or <c>a/b</c>; backquoted names.</para>
/// <para>Fixed terms come out in R's order: main effects, then two-way interactions, and so on, each group in the
/// order written, without duplicates; the factors of an interaction are ordered by their first appearance in the
/// fixed part (in the random term's own left-hand side for random terms). <c>(lhs || g)</c> becomes one term per
/// column (<c>(1 | g)</c>, <c>(0 + x | g)</c>, ...), and <c>(lhs | a/b)</c> becomes <c>(lhs | a)</c> and
/// <c>(lhs | b:a)</c>.</para>
/// <para>Errors are <see cref="InputException"/>s whose one-line message starts with
/// <c>formula error at column N:</c> (one-based).</para>
/// </remarks>
internal static class FormulaParser
{
    /// <summary>The functions a formula may call. <c>cbind</c> is allowed only as the response.</summary>
    public static IReadOnlyList<string> SupportedFunctions { get; } = ["log", "exp", "sqrt", "I", "cbind"];

    private const string SupportedFunctionsText = "log, exp, sqrt, I, and cbind (response only)";

    /// <summary>Parses and expands a formula.</summary>
    /// <exception cref="InputException">The text is not a valid formula; the message gives the column.</exception>
    public static ModelFormula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        return parser.Run();
    }

    /// <summary>Every data column the formula uses (response, fixed part, random-effects left-hand sides, grouping
    /// factors, including terms later removed with <c>-</c>), once each, in order of first appearance, with the
    /// position of that first appearance so callers can report e.g. <c>unknown column 'Dayz'</c> at its column
    /// (see <see cref="ErrorAt"/>).</summary>
    /// <remarks>For a formula that did not come from <see cref="Parse"/>, the list is rebuilt from the formula's
    /// structure and grouping factors get position -1.</remarks>
    public static IReadOnlyList<VariableUse> Variables(ModelFormula formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        if (formula.TextVariables is { } uses) return uses;

        var found = new List<VariableUse>();
        CollectVariables(formula.Response, found);
        foreach (var term in formula.FixedTerms)
            foreach (var factor in term.Factors) CollectVariables(factor, found);
        foreach (var random in formula.RandomTerms)
        {
            foreach (var term in random.Terms)
                foreach (var factor in term.Factors) CollectVariables(factor, found);
            found.AddRange(random.GroupingVariables.Select(g => new VariableUse(g, -1)));
        }

        return Distinct(found);
    }

    /// <summary>The names of <see cref="Variables"/>: every data column the formula uses, in first-appearance order.</summary>
    public static IReadOnlyList<string> VariableNames(ModelFormula formula) =>
        Variables(formula).Select(v => v.Name).ToList();

    /// <summary>Makes the exception for a problem at a zero-based <paramref name="position"/> of the formula text:
    /// <c>formula error at column N: message</c>. Callers can use it for problems found later, such as unknown columns.</summary>
    public static InputException ErrorAt(int position, string message) =>
        new($"formula error at column {position + 1}: {message}");

    private static void CollectVariables(FormulaExpression e, List<VariableUse> found)
    {
        switch (e)
        {
            case VariableReference v:
                found.Add(new VariableUse(v.Name, v.Position));
                break;
            case FunctionCall call:
                foreach (var a in call.Arguments) CollectVariables(a, found);
                break;
            case BinaryOperation bin:
                CollectVariables(bin.Left, found);
                CollectVariables(bin.Right, found);
                break;
            case Negation neg:
                CollectVariables(neg.Operand, found);
                break;
        }
    }

    private static List<VariableUse> Distinct(IEnumerable<VariableUse> uses)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return uses.Where(u => seen.Add(u.Name)).ToList();
    }

    // ----- syntax tree of the formula language (before expansion) -----

    private abstract record Node(int Position);

    /// <summary>A name, number or call.</summary>
    private sealed record LeafNode(FormulaExpression Expression) : Node(Expression.Position);

    private sealed record BinaryNode(string Operator, Node Left, Node Right, int OperatorPosition) : Node(Left.Position);

    private sealed record UnaryNode(char Operator, Node Operand, int OperatorPosition) : Node(OperatorPosition);

    private sealed record ParenNode(Node Inner, int OpenPosition) : Node(OpenPosition);

    private sealed record BarNode(Node Lhs, Node Group, bool IsDouble, int BarPosition) : Node(Lhs.Position);

    /// <summary>Terms as sorted arrays of variable indices, without duplicates, in insertion order.</summary>
    private sealed class TermList
    {
        private readonly List<int[]> _items = [];
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

        public IReadOnlyList<int[]> Items => _items;

        public static TermList Of(params int[][] terms)
        {
            var list = new TermList();
            foreach (var t in terms) list.Add(t);
            return list;
        }

        public void Add(int[] term)
        {
            if (_keys.Add(Key(term))) _items.Add(term);
        }

        public void AddRange(TermList other)
        {
            foreach (var t in other._items) Add(t);
        }

        public void RemoveAll(TermList other)
        {
            foreach (var t in other._items)
            {
                string key = Key(t);
                if (_keys.Remove(key)) _items.RemoveAll(x => Key(x) == key);
            }
        }

        /// <summary>The union of all variables of all terms, as one term.</summary>
        public int[] AllVariables() => _items.SelectMany(t => t).Distinct().Order().ToArray();

        public static TermList Interact(TermList left, TermList right)
        {
            var result = new TermList();
            foreach (var l in left._items)
                foreach (var r in right._items)
                    result.Add(l.Union(r).Order().ToArray());
            return result;
        }

        private static string Key(int[] term) => string.Join(",", term);
    }

    /// <summary>The variables (expressions) of one formula part, indexed in order of first appearance.</summary>
    private sealed class VariableTable
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public List<FormulaExpression> Expressions { get; } = [];

        public int Register(FormulaExpression e)
        {
            string key = FormulaText.Format(e);
            if (!_index.TryGetValue(key, out int i))
            {
                i = Expressions.Count;
                _index[key] = i;
                Expressions.Add(e);
            }

            return i;
        }

        public List<Term> ToTerms(TermList terms) =>
            terms.Items
                .OrderBy(t => t.Length) // stable: R's order is by interaction order, then as written
                .Select(t => new Term(t.Select(i => Expressions[i]).ToList()))
                .ToList();
    }

    private sealed record Part(TermList Terms, bool? Intercept);

    private sealed class Parser(string text)
    {
        private readonly List<FormulaToken> _tokens = FormulaTokenizer.Tokenize(text);
        private readonly List<VariableUse> _uses = [];
        private readonly List<RandomEffectsTerm> _random = [];
        private int _next;
        private bool _inResponse;

        private FormulaToken Peek => _tokens[_next];

        private FormulaToken Next() => _tokens[_next++];

        public ModelFormula Run()
        {
            FormulaToken first = Peek;
            if (first.Kind == FormulaTokenKind.End)
                throw ErrorAt(first.Position, "the formula is empty: expected something like y ~ x + (1 | g)");
            if (first.Is("~"))
                throw ErrorAt(first.Position, "expected a response before '~'");

            _inResponse = true;
            FormulaExpression response = ParseArithmetic(0, null);
            _inResponse = false;
            CheckCbindIsWholeResponse(response, true);

            FormulaToken tilde = Peek;
            if (!tilde.Is("~"))
            {
                throw tilde.Kind == FormulaTokenKind.End
                    ? ErrorAt(tilde.Position, "expected '~' after the response (a formula looks like y ~ x + (1 | g))")
                    : ErrorAt(tilde.Position, $"expected '~' after the response but found {tilde.Describe()}");
            }

            Next();
            if (Peek.Kind == FormulaTokenKind.End)
                throw ErrorAt(Peek.Position, "expected the right-hand side after '~' (e.g. y ~ 1 + x)");

            Node rhs = ParseFormula(0, barAllowed: false);
            FormulaToken rest = Peek;
            if (rest.Kind != FormulaTokenKind.End) throw Unexpected(rest);

            var table = new VariableTable();
            Part fixedPart = EvalSum(rhs, table, barError: null, inInteraction: false);
            List<Term> fixedTerms = table.ToTerms(fixedPart.Terms);

            string responseText = FormulaText.Format(response);
            foreach (var term in fixedTerms)
            {
                if (term.Factors.Count == 1 && FormulaText.Format(term.Factors[0]) == responseText)
                    throw ErrorAt(term.Factors[0].Position, $"the response '{responseText}' also appears on the right-hand side");
            }

            return new ModelFormula(text, response, fixedPart.Intercept ?? true, fixedTerms, _random.ToList())
            {
                TextVariables = Distinct(_uses),
            };
        }

        private static InputException Unexpected(FormulaToken t)
        {
            if (t.Is(")")) return ErrorAt(t.Position, "unexpected ')' with no matching '('");
            if (t.Is("~")) return ErrorAt(t.Position, "unexpected second '~': a formula has exactly one '~'");
            if (t.Kind is FormulaTokenKind.Name or FormulaTokenKind.Number || t.Is("("))
                return ErrorAt(t.Position, $"unexpected {t.Describe()}: terms must be joined by '+'");
            return ErrorAt(t.Position, $"unexpected {t.Describe()}");
        }

        // ----- formula level: + - * / : ^ %in% | || and parentheses -----

        private static int FormulaBindingPower(FormulaToken t)
        {
            if (t.Kind != FormulaTokenKind.Operator) return -1;
            return t.Text switch
            {
                "|" or "||" => 1,
                "+" or "-" => 2,
                "*" or "/" => 3,
                "%in%" => 4,
                ":" => 5,
                "^" => 7,
                _ => -1,
            };
        }

        private const int UnaryBindingPower = 6;

        /// <summary>Pratt parser for the formula operators. <paramref name="barAllowed"/> is true only directly
        /// inside parentheses, where <c>|</c> makes a random-effects term.</summary>
        /// <summary>How deeply parentheses, calls, signs and powers may nest: far beyond any real formula, and far
        /// within the stack of the recursive parser and of the code that walks the tree.</summary>
        internal const int MaxNesting = 200;

        private int _depth;

        private void Enter()
        {
            if (++_depth > MaxNesting)
                throw ErrorAt(Peek.Position,
                    $"the formula nests deeper than {MaxNesting} levels here (parentheses, function calls, signs or powers)");
        }

        private Node ParseFormula(int minBindingPower, bool barAllowed, string? after = null)
        {
            Enter();
            try
            {
                return ParseFormulaNested(minBindingPower, barAllowed, after);
            }
            finally
            {
                _depth--;
            }
        }

        private FormulaExpression ParseArithmetic(int minBindingPower, string? function)
        {
            Enter();
            try
            {
                return ParseArithmeticNested(minBindingPower, function);
            }
            finally
            {
                _depth--;
            }
        }

        private Node ParseFormulaNested(int minBindingPower, bool barAllowed, string? after)
        {
            Node left = ParseFormulaPrefix(after);
            while (true)
            {
                FormulaToken op = Peek;
                int bp = FormulaBindingPower(op);
                if (bp < 0 || bp <= minBindingPower) break;
                if (bp == 1 && !barAllowed)
                    throw ErrorAt(op.Position, $"'{op.Text}' must be inside parentheses, as in (1 | g)");
                Next();
                if (bp == 1)
                {
                    FormulaToken g = Peek;
                    if (g.Is(")") || g.Kind == FormulaTokenKind.End)
                        throw ErrorAt(g.Position, $"missing grouping factor after '{op.Text}' (e.g. (1 | g))");
                    Node group = ParseFormula(1, barAllowed: false, op.Text);
                    left = new BarNode(left, group, op.Text == "||", op.Position);
                    continue;
                }

                // '^' is right-associative; the others are left-associative.
                Node right = ParseFormula(op.Text == "^" ? bp - 1 : bp, barAllowed: false, op.Text);
                left = new BinaryNode(op.Text, left, right, op.Position);
            }

            return left;
        }

        private Node ParseFormulaPrefix(string? after)
        {
            FormulaToken t = Peek;
            switch (t.Kind)
            {
                case FormulaTokenKind.Name:
                    Next();
                    return new LeafNode(Peek.Is("(") ? ParseCall(t) : Variable(t));
                case FormulaTokenKind.Number:
                    Next();
                    return new LeafNode(new NumberLiteral(t.Number, t.Position));
                case FormulaTokenKind.End:
                    throw ErrorAt(t.Position, after is null ? "expected a term" : $"expected a term after '{after}'");
            }

            if (t.Is("("))
            {
                Next();
                FormulaToken inner = Peek;
                if (inner.Is(")")) throw ErrorAt(t.Position, "empty parentheses '()'");
                if (inner.Is("|") || inner.Is("||"))
                    throw ErrorAt(inner.Position,
                        $"empty random-effects term: expected e.g. '1' or '1 + x' before '{inner.Text}'");
                Node node = ParseFormula(0, barAllowed: true);
                ExpectClose(t);
                return new ParenNode(node, t.Position);
            }

            if (t.Is("-") || t.Is("+"))
            {
                Next();
                Node operand = ParseFormula(UnaryBindingPower, barAllowed: false, t.Text);
                return new UnaryNode(t.Text[0], operand, t.Position);
            }

            throw ErrorAt(t.Position, after is null
                ? $"expected a term but found {t.Describe()}"
                : $"expected a term after '{after}' but found {t.Describe()}");
        }

        private void ExpectClose(FormulaToken open)
        {
            FormulaToken t = Peek;
            if (t.Is(")"))
            {
                Next();
                return;
            }

            string expected = $"expected ')' to close '(' opened at column {open.Position + 1}";
            if (t.Kind == FormulaTokenKind.End) throw ErrorAt(t.Position, expected);
            if (t.Kind is FormulaTokenKind.Name or FormulaTokenKind.Number || t.Is("("))
                throw ErrorAt(t.Position, $"{expected} but found {t.Describe()} (terms must be joined by '+')");
            throw ErrorAt(t.Position, $"{expected} but found {t.Describe()}");
        }

        // ----- arithmetic: the response and function arguments -----

        private static int ArithmeticBindingPower(FormulaToken t)
        {
            if (t.Kind != FormulaTokenKind.Operator) return -1;
            return t.Text switch
            {
                "+" or "-" => 2,
                "*" or "/" => 3,
                "^" => 7,
                _ => -1,
            };
        }

        private FormulaExpression ParseArithmeticNested(int minBindingPower, string? function)
        {
            FormulaExpression left = ParseArithmeticPrefix(function);
            while (true)
            {
                FormulaToken op = Peek;
                int bp = ArithmeticBindingPower(op);
                if (bp < 0 || bp <= minBindingPower) break;
                Next();
                FormulaExpression right = ParseArithmetic(op.Text == "^" ? bp - 1 : bp, function);
                left = new BinaryOperation(op.Text[0], left, right, left.Position);
            }

            return left;
        }

        private FormulaExpression ParseArithmeticPrefix(string? function)
        {
            FormulaToken t = Peek;
            switch (t.Kind)
            {
                case FormulaTokenKind.Name:
                    Next();
                    return Peek.Is("(") ? ParseCall(t) : Variable(t);
                case FormulaTokenKind.Number:
                    Next();
                    return new NumberLiteral(t.Number, t.Position);
                case FormulaTokenKind.End:
                    throw ErrorAt(t.Position, function is null
                        ? "expected a response such as y or log(y)"
                        : $"expected an argument of {function}()");
            }

            if (t.Is("("))
            {
                Next();
                FormulaExpression inner = ParseArithmetic(0, function);
                FormulaToken close = Peek;
                if (!close.Is(")") && IsFormulaOnlyOperator(close))
                    throw NotArithmetic(close, function);
                ExpectClose(t);
                return inner;
            }

            if (t.Is("-"))
            {
                Next();
                return new Negation(ParseArithmetic(UnaryBindingPower, function), t.Position);
            }

            if (t.Is("+"))
            {
                Next();
                return ParseArithmetic(UnaryBindingPower, function);
            }

            if (IsFormulaOnlyOperator(t)) throw NotArithmetic(t, function);
            throw ErrorAt(t.Position, function is null
                ? $"expected a response but found {t.Describe()}"
                : $"expected an argument of {function}() but found {t.Describe()}");
        }

        private static bool IsFormulaOnlyOperator(FormulaToken t) =>
            t.Is(":") || t.Is("|") || t.Is("||") || t.Is("%in%") || t.Is("~");

        private static InputException NotArithmetic(FormulaToken t, string? function) =>
            ErrorAt(t.Position, function is null
                ? $"'{t.Text}' cannot be used in the response"
                : $"'{t.Text}' cannot be used inside {function}(): function arguments allow only arithmetic with + - * / ^");

        private FormulaExpression ParseCall(FormulaToken name)
        {
            string f = name.Text;
            if (!SupportedFunctions.Contains(f))
                throw ErrorAt(name.Position, $"unknown function '{f}': supported functions are {SupportedFunctionsText}");
            if (f == "cbind" && !_inResponse)
                throw ErrorAt(name.Position, "cbind() is only allowed in the response, as in cbind(successes, failures) ~ x");

            FormulaToken open = Next(); // '('
            var args = new List<FormulaExpression>();
            if (Peek.Is(")"))
            {
                Next();
            }
            else
            {
                while (true)
                {
                    args.Add(ParseArithmetic(0, f));
                    FormulaToken t = Peek;
                    if (t.Is(","))
                    {
                        Next();
                        continue;
                    }

                    if (t.Is(")"))
                    {
                        Next();
                        break;
                    }

                    if (t.Kind == FormulaTokenKind.End)
                        throw ErrorAt(t.Position, $"expected ')' to close '(' opened at column {open.Position + 1}");
                    if (IsFormulaOnlyOperator(t)) throw NotArithmetic(t, f);
                    throw ErrorAt(t.Position, $"expected ',' or ')' in the arguments of {f}() but found {t.Describe()}");
                }
            }

            (int min, int max, string expected) = f switch
            {
                "log" => (1, 2, "1 or 2 arguments"),
                "cbind" => (2, 2, "2 arguments (successes, failures)"),
                _ => (1, 1, "1 argument"),
            };
            if (args.Count < min || args.Count > max)
                throw ErrorAt(name.Position, $"{f}() takes {expected} but was given {args.Count}");

            return new FunctionCall(f, args, name.Position);
        }

        private VariableReference Variable(FormulaToken t)
        {
            var v = new VariableReference(t.Text, t.Position);
            _uses.Add(new VariableUse(v.Name, v.Position));
            return v;
        }

        private static void CheckCbindIsWholeResponse(FormulaExpression e, bool isRoot)
        {
            switch (e)
            {
                case FunctionCall call:
                    if (call.Name == "cbind" && !isRoot)
                        throw ErrorAt(call.Position,
                            "cbind() must be the whole response, as in cbind(successes, failures) ~ x");
                    foreach (var a in call.Arguments) CheckCbindIsWholeResponse(a, false);
                    break;
                case BinaryOperation bin:
                    CheckCbindIsWholeResponse(bin.Left, false);
                    CheckCbindIsWholeResponse(bin.Right, false);
                    break;
                case Negation neg:
                    CheckCbindIsWholeResponse(neg.Operand, false);
                    break;
            }
        }

        // ----- expansion (R's terms() algebra) -----

        /// <summary>Evaluates a sum of terms: <c>+</c>, <c>-</c>, intercept markers, parentheses and, when
        /// <paramref name="barError"/> is null, random-effects terms (which go to <see cref="_random"/>).</summary>
        private Part EvalSum(Node node, VariableTable table, string? barError, bool inInteraction)
        {
            switch (node)
            {
                case BinaryNode { Operator: "+" } plus:
                {
                    Part left = EvalSum(plus.Left, table, barError, inInteraction);
                    Part right = EvalSum(plus.Right, table, barError, inInteraction);
                    left.Terms.AddRange(right.Terms);
                    return new Part(left.Terms, right.Intercept ?? left.Intercept);
                }
                case BinaryNode { Operator: "-" } minus:
                {
                    Part left = EvalSum(minus.Left, table, barError, inInteraction);
                    Part removed = EvalSum(minus.Right, table, "random-effects terms cannot be removed with '-'", inInteraction);
                    left.Terms.RemoveAll(removed.Terms);
                    return new Part(left.Terms, removed.Intercept is bool r ? !r : left.Intercept);
                }
                case UnaryNode { Operator: '-' } negative:
                {
                    Part removed = EvalSum(negative.Operand, table, "random-effects terms cannot be removed with '-'", inInteraction);
                    return new Part(new TermList(), removed.Intercept is bool r ? !r : null);
                }
                case UnaryNode plus:
                    return EvalSum(plus.Operand, table, barError, inInteraction);
                case ParenNode { Inner: BarNode bar } paren:
                    if (barError is not null) throw ErrorAt(paren.Position, barError);
                    _random.AddRange(EvalRandom(bar));
                    return new Part(new TermList(), null);
                case ParenNode paren:
                    return EvalSum(paren.Inner, table, barError, inInteraction);
                case LeafNode { Expression: NumberLiteral n }:
                    if (n.Value is not (0 or 1)) throw NumberNotATerm(n);
                    if (inInteraction)
                        throw ErrorAt(n.Position,
                            $"'{FormulaText.FormatNumber(n.Value)}' cannot be used inside an interaction; use 0 or 1 on its own to remove or keep the intercept");
                    return new Part(new TermList(), n.Value == 1);
                default:
                    return new Part(EvalProduct(node, table), null);
            }
        }

        /// <summary>Evaluates interaction operators <c>: * / %in% ^</c> to a list of terms.</summary>
        private TermList EvalProduct(Node node, VariableTable table)
        {
            switch (node)
            {
                case LeafNode { Expression: NumberLiteral n }:
                    if (n.Value is 0 or 1)
                        throw ErrorAt(n.Position,
                            $"'{FormulaText.FormatNumber(n.Value)}' cannot be used inside an interaction; use 0 or 1 on its own to remove or keep the intercept");
                    throw NumberNotATerm(n);
                case LeafNode leaf:
                    return TermList.Of([table.Register(leaf.Expression)]);
                case ParenNode { Inner: BarNode } paren:
                    throw ErrorAt(paren.Position,
                        "a random-effects term cannot be part of an interaction; add it to the formula with '+'");
                case ParenNode paren:
                    return EvalSum(paren.Inner, table, "a random-effects term cannot be part of an interaction", inInteraction: true).Terms;
                case BarNode bar:
                    throw ErrorAt(bar.BarPosition, "a random-effects term can have only one '|' or '||'");
                case UnaryNode { Operator: '-' } negative:
                    throw ErrorAt(negative.Position, "'-' inside an interaction: '-' can only remove terms from a sum");
                case UnaryNode plus:
                    return EvalProduct(plus.Operand, table);
                case BinaryNode { Operator: "+" or "-" }:
                    return EvalSum(node, table, "a random-effects term cannot be part of an interaction", inInteraction: true).Terms;
                case BinaryNode { Operator: "^" } power:
                {
                    TermList baseTerms = EvalProduct(power.Left, table);
                    int n = PowerExponent(power.Right);
                    var result = new TermList();
                    result.AddRange(baseTerms);
                    for (int k = 2; k <= n; k++)
                    {
                        TermList next = TermList.Interact(result, baseTerms);
                        result.AddRange(next);
                    }

                    return result;
                }
                case BinaryNode bin:
                {
                    TermList left = EvalProduct(bin.Left, table);
                    TermList right = EvalProduct(bin.Right, table);
                    var result = new TermList();
                    switch (bin.Operator)
                    {
                        case ":":
                            result.AddRange(TermList.Interact(left, right));
                            break;
                        case "*":
                            result.AddRange(left);
                            result.AddRange(right);
                            result.AddRange(TermList.Interact(left, right));
                            break;
                        case "/":
                            result.AddRange(left);
                            result.AddRange(TermList.Interact(TermList.Of(left.AllVariables()), right));
                            break;
                        case "%in%":
                            result.AddRange(TermList.Interact(left, TermList.Of(right.AllVariables())));
                            break;
                        default:
                            throw ErrorAt(bin.OperatorPosition, $"unsupported operator '{bin.Operator}'");
                    }

                    return result;
                }
                default:
                    throw ErrorAt(node.Position, "unsupported term");
            }
        }

        private static int PowerExponent(Node node)
        {
            while (node is ParenNode p) node = p.Inner;
            if (node is LeafNode { Expression: NumberLiteral n } && n.Value >= 1 && n.Value == Math.Floor(n.Value) && n.Value <= 64)
                return (int)n.Value;
            throw ErrorAt(node.Position, "the power in a formula such as (a + b)^2 must be a whole number of at least 1");
        }

        private static InputException NumberNotATerm(NumberLiteral n) =>
            ErrorAt(n.Position,
                $"unexpected number {FormulaText.FormatNumber(n.Value)} where a term is expected: only 0 or 1 may appear on their own (to remove or keep the intercept); use I() for arithmetic");

        private List<RandomEffectsTerm> EvalRandom(BarNode bar)
        {
            if (bar.Lhs is BarNode)
                throw ErrorAt(bar.BarPosition, "a random-effects term can have only one '|' or '||'");
            var table = new VariableTable();
            Part lhs = EvalSum(bar.Lhs, table, "random-effects terms cannot be nested inside another random-effects term", inInteraction: false);
            bool intercept = lhs.Intercept ?? true;
            List<Term> terms = table.ToTerms(lhs.Terms);
            if (!intercept && terms.Count == 0)
                throw ErrorAt(bar.Lhs.Position,
                    "the random-effects term has no columns: it removes the intercept and adds no variables before '|'");

            List<Group> groups = Groups(bar.Group);
            var result = new List<RandomEffectsTerm>();
            if (bar.IsDouble)
            {
                // lme4's expandDoubleVerts: one uncorrelated term per column, each then expanded over the groups.
                var pieces = new List<(bool Intercept, List<Term> Terms)>();
                if (intercept) pieces.Add((true, []));
                pieces.AddRange(terms.Select(t => (false, new List<Term> { t })));
                foreach (var (pieceIntercept, pieceTerms) in pieces)
                    foreach (var g in groups)
                        result.Add(new RandomEffectsTerm(pieceIntercept, pieceTerms, g.Variables, g.Name));
            }
            else
            {
                foreach (var g in groups) result.Add(new RandomEffectsTerm(intercept, terms, g.Variables, g.Name));
            }

            return result;
        }

        /// <summary>A grouping factor: its variables (first most significant) and its name as lme4 prints it.</summary>
        private sealed record Group(IReadOnlyList<string> Variables, string Name)
        {
            /// <summary>The name as a part of a larger interaction: parenthesised when it is itself one, as R deparses
            /// <c>c:(b:a)</c>.</summary>
            public string Operand => Variables.Count > 1 ? $"({Name})" : Name;
        }

        /// <summary>Expands a grouping expression: <c>g</c>, <c>a:b</c>, <c>a/b</c> (= <c>a</c>, <c>b:a</c>), with lme4's
        /// names: <c>a/b/c</c> is <c>a</c>, <c>b:a</c> and <c>c:(b:a)</c> (lme4's expandSlash builds <c>c:(b:a)</c>
        /// as a call, and R deparses the inner interaction in parentheses), <c>(a:b)/c</c> gives <c>c:(a:b)</c>.</summary>
        private static List<Group> Groups(Node node)
        {
            const string Shape = "use a column name g, an interaction a:b, or nesting a/b";
            switch (node)
            {
                case LeafNode { Expression: VariableReference v }:
                    return [new Group([v.Name], v.Name)];
                case LeafNode { Expression: NumberLiteral n }:
                    throw ErrorAt(n.Position,
                        $"the grouping factor after '|' must be a column name, not the number {FormulaText.FormatNumber(n.Value)}");
                case LeafNode { Expression: FunctionCall call }:
                    throw ErrorAt(call.Position, $"the grouping factor after '|' must be a column name, not {call.Name}(): {Shape}");
                case ParenNode paren:
                    if (paren.Inner is BarNode) break;
                    return Groups(paren.Inner);
                case BinaryNode { Operator: ":" } interaction:
                {
                    // A parenthesised operand keeps its parentheses in the name, as R deparses a:(b:c).
                    static string Part(Node side, Group g) => side is ParenNode ? g.Operand : g.Name;
                    var result = new List<Group>();
                    foreach (var l in Groups(interaction.Left))
                        foreach (var r in Groups(interaction.Right))
                            result.Add(new Group(l.Variables.Concat(r.Variables).ToArray(),
                                $"{Part(interaction.Left, l)}:{Part(interaction.Right, r)}"));
                    return result;
                }
                case BinaryNode { Operator: "/" } nesting:
                {
                    List<Group> result = Groups(nesting.Left);
                    Group outer = result[^1];
                    foreach (var inner in Groups(nesting.Right))
                        result.Add(new Group(inner.Variables.Concat(outer.Variables).ToArray(), $"{inner.Operand}:{outer.Operand}"));
                    return result;
                }
                case BinaryNode bin:
                    throw ErrorAt(bin.OperatorPosition, $"'{bin.Operator}' cannot be used in the grouping factor after '|': {Shape}");
            }

            throw ErrorAt(node.Position, $"unsupported grouping factor after '|': {Shape}");
        }
    }
}
