package io.bambus.core.biztalk;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads an XML file into a small tree of elements that remember their line. The parser refuses
 * any DOCTYPE (so no entity can expand or read another file) and resolves nothing from outside.
 */
final class BamXml {

    /** One element: namespace URI (empty when none), local name, attributes by local name, children, text, line. */
    record Element(String namespace, String name, Map<String, String> attributes, List<Element> children, StringBuilder content,
                   int line) {

        String attribute(String attributeName) {
            return attributes.get(attributeName);
        }

        String text() {
            return content.toString().trim();
        }

        List<Element> children(String childName) {
            return children.stream().filter(c -> c.name.equals(childName)).toList();
        }
    }

    /** An XML file that is not well-formed or declares a DOCTYPE; the message names the line and the fix. */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message);
        }
    }

    private BamXml() {
    }

    static Element read(String fileName, InputStream in) throws Unreadable, IOException {
        Handler handler = new Handler();
        try {
            parser().parse(new InputSource(in), handler);
        } catch (SAXParseException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (message.contains("DOCTYPE") || message.contains("disallow-doctype-decl")) {
                throw new Unreadable(fileName + " line " + e.getLineNumber() + ": a DOCTYPE declaration is not allowed"
                        + " (it could define entities that expand or read other files; BAM definition files have none);"
                        + " remove the <!DOCTYPE …> block");
            }
            throw new Unreadable(fileName + " line " + e.getLineNumber() + ": is not well-formed XML (" + message
                    + "); export the definition again with bm.exe get-defxml or the BAM Excel add-in");
        } catch (SAXException e) {
            throw new Unreadable(fileName + ": cannot be read as XML (" + e.getMessage() + ")");
        }
        return handler.root;
    }

    static final int MAX_DEPTH = 100;

    private static SAXParser parser() {
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setValidating(false);
            factory.setXIncludeAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            SAXParser parser = factory.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            // a BAM definition nests a few levels; deeper is an attack on the recursive walks that follow
            parser.setProperty("http://www.oracle.com/xml/jaxp/properties/maxElementDepth", String.valueOf(MAX_DEPTH));
            return parser;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a safety feature: " + e.getMessage(), e);
        }
    }

    private static final class Handler extends DefaultHandler {
        private final List<Element> open = new ArrayList<>();
        private Locator locator;
        Element root;

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < attributes.getLength(); i++) {
                values.put(attributes.getLocalName(i).isEmpty() ? attributes.getQName(i) : attributes.getLocalName(i),
                        attributes.getValue(i));
            }
            Element element = new Element(uri == null ? "" : uri, localName, values, new ArrayList<>(), new StringBuilder(),
                    locator == null ? 0 : locator.getLineNumber());
            if (open.isEmpty()) {
                root = element;
            } else {
                open.get(open.size() - 1).children().add(element);
            }
            open.add(element);
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            open.remove(open.size() - 1);
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (!open.isEmpty()) {
                open.get(open.size() - 1).content().append(ch, start, length);
            }
        }
    }
}
