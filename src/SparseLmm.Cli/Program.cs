using SparseLmm.Cli;

bool terminal = !Console.IsErrorRedirected;
using var interruption = new Interruption(Console.Error, terminal);
return CliApplication.Run(args, Console.Out, Console.Error, interactive: terminal, interruption.Token);
