// ternctl's commands: one row per command in one table (commands.cc), one handler per command in
// the file of its group (domain.cc, user.cc, alias.cc, mailbox.cc, audit.cc, status.cc).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "session.h"

namespace CLI {
class App;
}

namespace tern::ternctl {

// Every argument and option any command takes; each command declares and reads its own.
struct Args {
  std::string address;               // the domain, account or alias the command acts on
  std::vector<std::string> targets;  // alias targets
  std::string domain;                // --domain filter of the list commands
  std::string quota_bytes;           // byte size syntax (output.h ParseBytes); "" = not given
  std::string quota_messages;        // count or "unlimited"; "" = not given
  bool password_stdin = false;       // read the secret from stdin even on a terminal
  int limit = 50;                    // audit entries
  std::string postmaster;            // domain add --postmaster, domain postmaster <address>
  bool clear = false;                // domain postmaster --clear
};

// A group of commands: "user", "user apop".
struct Group {
  const char* path;
  const char* help;
};

struct Command {
  const char* path;  // "user apop enable": its group's path, then its name
  const char* help;
  void (*declare)(CLI::App& cmd, Args& args);      // adds its positionals and options
  int (*run)(Session& session, const Args& args);  // returns an ExitCode
  bool needs_token;                                // calls AuthAdmin
};

std::span<const Group> Groups();
std::span<const Command> Commands();

// Handlers.
int DomainAdd(Session& s, const Args& a);
int DomainList(Session& s, const Args& a);
int DomainRemove(Session& s, const Args& a);
int DomainPostmaster(Session& s, const Args& a);
// Warns (stderr) about domains whose postmaster reaches nobody or only the first account.
void WarnAboutPostmasters(Session& s, const google::protobuf::RepeatedPtrField<authpb::Domain>& domains);
int UserAdd(Session& s, const Args& a);
int UserList(Session& s, const Args& a);
int UserShow(Session& s, const Args& a);
int UserPasswd(Session& s, const Args& a);
int UserDisable(Session& s, const Args& a);
int UserEnable(Session& s, const Args& a);
int UserRemove(Session& s, const Args& a);
int UserQuota(Session& s, const Args& a);
int UserApopEnable(Session& s, const Args& a);
int UserApopDisable(Session& s, const Args& a);
int AliasAdd(Session& s, const Args& a);
int AliasList(Session& s, const Args& a);
int AliasRemove(Session& s, const Args& a);
int MailboxList(Session& s, const Args& a);
int Audit(Session& s, const Args& a);
int QueueList(Session& s, const Args& a);
int QueueShow(Session& s, const Args& a);
int QueueRetry(Session& s, const Args& a);
int QueueDelete(Session& s, const Args& a);
int QueueHold(Session& s, const Args& a);
int QueueRelease(Session& s, const Args& a);
int Status(Session& s, const Args& a);

}  // namespace tern::ternctl
