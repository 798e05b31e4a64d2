package ai.stratum.tokenizer.chat;

import java.beans.FeatureDescriptor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Iterator;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Lets templates call Python's string methods on any string (a template's own literals are Java strings): a
 * method call on a {@code String} or {@link PyString} is answered by {@link PyString}'s method of that name and
 * arity. Everything else is left to the next resolver.
 */
final class PyStringResolver extends ELResolver {
    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String || base instanceof PyString) || method == null) {
            return null;
        }
        int arity = params == null ? 0 : params.length;
        for (Method m : PyString.class.getMethods()) {
            if (m.getName().equals(method.toString()) && m.getParameterCount() == arity && m.getDeclaringClass() == PyString.class) {
                Object[] args = new Object[arity];
                for (int k = 0; k < arity; k++) {
                    args[k] = params[k] == null ? null : params[k].toString();
                }
                try {
                    Object result = m.invoke(new PyString(base.toString()), args);
                    context.setPropertyResolved(true);
                    return result;
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            }
        }
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
