#include "commands/commands.h"

#include <CLI/CLI.hpp>

namespace tern::ternctl {
namespace {

void NoArgs(CLI::App&, Args&) {}

void DomainArg(CLI::App& cmd, Args& a) {
  cmd.add_option("domain", a.address, "Domain name, e.g. example.org")->required();
}

void DomainAddArgs(CLI::App& cmd, Args& a) {
  DomainArg(cmd, a);
  cmd.add_option("--postmaster", a.postmaster,
                 "Where postmaster@<domain> mail goes when no account or alias has that address "
                 "(default: the domain's first account)");
}

void DomainPostmasterArgs(CLI::App& cmd, Args& a) {
  DomainArg(cmd, a);
  cmd.add_option("address", a.postmaster, "An address that reaches one of our accounts");
  cmd.add_flag("--clear", a.clear, "Forget the target: postmaster@ goes to the first account");
}

void AddressArg(CLI::App& cmd, Args& a) {
  cmd.add_option("address", a.address, "Account address, e.g. alice@example.org")->required();
}

void DomainFilter(CLI::App& cmd, Args& a) {
  cmd.add_option("--domain", a.domain, "Only this domain");
}

void PasswordStdin(CLI::App& cmd, Args& a) {
  cmd.add_flag("--password-stdin", a.password_stdin,
               "Read the secret as one line from stdin even on a terminal (it is never taken "
               "from the command line)");
}

void UserAddArgs(CLI::App& cmd, Args& a) {
  AddressArg(cmd, a);
  cmd.add_option("--quota-bytes", a.quota_bytes,
                 "Storage quota: bytes, or with a suffix K, M, G, T (1K = 1024); 0 or "
                 "'unlimited' for none (default)");
  cmd.add_option("--quota-messages", a.quota_messages,
                 "Message count quota; 0 or 'unlimited' for none (default)");
  PasswordStdin(cmd, a);
}

void PasswdArgs(CLI::App& cmd, Args& a) {
  AddressArg(cmd, a);
  PasswordStdin(cmd, a);
}

void QuotaArgs(CLI::App& cmd, Args& a) {
  AddressArg(cmd, a);
  cmd.add_option("--bytes", a.quota_bytes,
                 "Storage quota: bytes, or with a suffix K, M, G, T; 0 or 'unlimited' for none");
  cmd.add_option("--messages", a.quota_messages, "Message count quota; 0 or 'unlimited' for none");
}

void AliasAddArgs(CLI::App& cmd, Args& a) {
  cmd.add_option("address", a.address,
                 "Alias address (sales@example.org), or @domain for a catch-all")
      ->required();
  cmd.add_option("targets", a.targets, "Where its mail goes: one or more addresses")->required();
}

void AliasArg(CLI::App& cmd, Args& a) {
  cmd.add_option("address", a.address, "Alias address, or @domain for a catch-all")->required();
}

void AuditArgs(CLI::App& cmd, Args& a) {
  cmd.add_option("--limit", a.limit, "Newest entries to show (default 50)")
      ->check(CLI::Range(1, 100000));
}

void QueueIdArg(CLI::App& cmd, Args& a) {
  cmd.add_option("id", a.address, "Queue id, from `ternctl queue list`")->required();
}

void QueueFilter(CLI::App& cmd, Args& a) {
  cmd.add_option("--state", a.domain, "Only jobs in this state")
      ->check(CLI::IsMember({"queued", "held", "failed"}));
}

constexpr Group kGroups[] = {
    {"domain", "Mail domains"},
    {"user", "Accounts"},
    {"user apop", "The APOP secret of an account (POP3 APOP login)"},
    {"alias", "Aliases and catch-alls"},
    {"mailbox", "Mailboxes of an account"},
    {"queue", "The outbound queue (mail for other domains)"},
};

// The command table.
constexpr Command kCommands[] = {
    {"domain add", "Add a domain", DomainAddArgs, DomainAdd, true},
    {"domain postmaster", "Set where postmaster@<domain> goes (RFC 5321 4.5.1)",
     DomainPostmasterArgs, DomainPostmaster, true},
    {"domain list", "List domains with their account and alias counts", NoArgs, DomainList, true},
    {"domain remove", "Remove a domain (it must have no accounts)", DomainArg, DomainRemove, true},

    {"user add", "Add an account; the password is prompted for, or read from stdin", UserAddArgs,
     UserAdd, true},
    {"user list", "List accounts", DomainFilter, UserList, true},
    {"user show", "Show an account, its mailboxes and its quota usage", AddressArg, UserShow, true},
    {"user passwd", "Set an account's password (prompted for, or read from stdin)", PasswdArgs,
     UserPasswd, true},
    {"user disable", "Disable an account: no login, no delivery", AddressArg, UserDisable, true},
    {"user enable", "Enable an account", AddressArg, UserEnable, true},
    {"user remove", "Remove an account", AddressArg, UserRemove, true},
    {"user quota", "Set an account's quota (an omitted limit keeps its value)", QuotaArgs,
     UserQuota, true},
    {"user apop enable", "Enable APOP with a secret (prompted for, or read from stdin)", PasswdArgs,
     UserApopEnable, true},
    {"user apop disable", "Disable APOP and forget the secret", AddressArg, UserApopDisable, true},

    {"alias add", "Add an alias (or @domain catch-all) delivering to one or more targets",
     AliasAddArgs, AliasAdd, true},
    {"alias list", "List aliases", DomainFilter, AliasList, true},
    {"alias remove", "Remove an alias", AliasArg, AliasRemove, true},

    {"mailbox list", "List an account's mailboxes with message counts and sizes", AddressArg,
     MailboxList, true},

    {"queue list", "List queued outbound messages (one job per destination domain)", QueueFilter,
     QueueList, false},
    {"queue show", "Show one queued message", QueueIdArg, QueueShow, false},
    {"queue retry", "Try a queued (or failed) message again now", QueueIdArg, QueueRetry, false},
    {"queue delete", "Drop a queued message without a bounce", QueueIdArg, QueueDelete, false},
    {"queue hold", "Keep a queued message from being tried until released", QueueIdArg, QueueHold,
     false},
    {"queue release", "Release a held message", QueueIdArg, QueueRelease, false},

    {"audit", "Show the newest entries of the admin audit log", AuditArgs, Audit, true},
    {"status", "Health of every service; exits 3 when any is down", NoArgs, Status, false},
};

}  // namespace

std::span<const Group> Groups() { return kGroups; }
std::span<const Command> Commands() { return kCommands; }

}  // namespace tern::ternctl
