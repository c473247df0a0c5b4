package dev.promptq.worker.claudecli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which Messages requests Claude Code's headless mode can carry whole, and what it says about the rest. */
class CliRequestTest {
  private final ObjectMapper mapper = new ObjectMapper();

  private ObjectNode request(String json) throws Exception {
    return (ObjectNode) mapper.readTree(json.replace('\'', '"'));
  }

  private CliRequest expressible(String json) throws Exception {
    return assertInstanceOf(CliRequest.Expressible.class, CliRequest.from(request(json))).request();
  }

  private String reason(String json) throws Exception {
    return assertInstanceOf(CliRequest.Inexpressible.class, CliRequest.from(request(json))).reason();
  }

  @Test
  void aSingleUserTurnOfTextWithASystemPromptAndAThinkingBudgetIsCarried() throws Exception {
    CliRequest r = expressible("{'model':'claude-sonnet-4-6','max_tokens':300,'system':'Be brief',"
        + "'thinking':{'type':'enabled','budget_tokens':1024},'messages':[{'role':'user','content':'Hi\\n'}]}");
    assertEquals(new CliRequest("Hi\n", Optional.of("Be brief"), "claude-sonnet-4-6", 300, 1024), r);
  }

  @Test
  void oneTextBlockCarriesLikeAStringAndCacheControlIsOnlyAHint() throws Exception {
    CliRequest r = expressible("{'model':'m','max_tokens':5,'stream':false,'system':[{'type':'text','text':'S'}],"
        + "'messages':[{'role':'user','content':[{'type':'text','text':'P','cache_control':{'type':'ephemeral'}}]}]}");
    assertEquals("P", r.prompt());
    assertEquals(Optional.of("S"), r.system());
    assertEquals(0, r.thinkingBudget(), "no thinking unless asked");
    assertEquals(0, expressible("{'model':'m','max_tokens':5,'thinking':{'type':'disabled'},"
        + "'messages':[{'role':'user','content':'x'}]}").thinkingBudget());
  }

  @Test
  void imagesToolsEarlierTurnsAndSamplingParametersAreNamed() throws Exception {
    assertEquals("messages.0.content.0 has type image: Claude Code takes text only",
        reason("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':[{'type':'image','source':{}},"
            + "{'type':'text','text':'what is it'}]}]}"));
    assertEquals("tool_choice, tools are not carried by Claude Code's headless mode",
        reason("{'model':'m','max_tokens':5,'tools':[],'tool_choice':{'type':'auto'},"
            + "'messages':[{'role':'user','content':'x'}]}"));
    assertEquals("temperature is not carried by Claude Code's headless mode",
        reason("{'model':'m','max_tokens':5,'temperature':0.2,'messages':[{'role':'user','content':'x'}]}"));
    assertTrue(reason("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'a'},"
        + "{'role':'assistant','content':'The answer is'}]}").startsWith("2 messages"));
    assertEquals("messages.0.content has 2 text blocks: Claude Code takes one",
        reason("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':[{'type':'text','text':'a'},"
            + "{'type':'text','text':'b'}]}]}"));
    assertEquals("system has 2 text blocks: Claude Code takes one",
        reason("{'model':'m','max_tokens':5,'system':[{'type':'text','text':'a'},{'type':'text','text':'b'}],"
            + "'messages':[{'role':'user','content':'x'}]}"));
    assertEquals("thinking type adaptive: Claude Code sets a thinking budget only",
        reason("{'model':'m','max_tokens':5,'thinking':{'type':'adaptive'},'messages':[{'role':'user','content':'x'}]}"));
    assertEquals("an empty prompt", reason("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':' '}]}"));
  }

  @Test
  void aModelNameThatReadsAsAnOptionIsRefused() throws Exception {
    assertEquals("the model name cannot be passed to Claude Code as an argument",
        reason("{'model':'--dangerously-skip-permissions','max_tokens':5,'messages':[{'role':'user','content':'x'}]}"));
    assertEquals("claude-opus-4-1[1m]", expressible("{'model':'claude-opus-4-1[1m]','max_tokens':5,"
        + "'messages':[{'role':'user','content':'x'}]}").model());
  }
}
